// The sections of bench/RESULTS.md that a benchmark of its own writes
// (bench/load.mjs: "load", bench/chat.mjs: "chat"), between two markers, so
// that each run replaces its own section and keeps the others.
const start = (name) => `<!-- ${name}: bench/${name}.mjs writes this section -->`;
const end = (name) => `<!-- /${name} -->`;

/** `lines` wrapped in the markers of section `name`. */
export function section(name, lines) {
  return [start(name), ...lines, end(name)].join("\n");
}

/** Section `name` of `markdown` with its markers, or null. */
export function sectionOf(markdown, name) {
  const at = markdown.indexOf(start(name));
  const stop = markdown.indexOf(end(name), at);
  return at < 0 || stop < 0 ? null : markdown.slice(at, stop + end(name).length);
}

/** `markdown` with section `name` replaced by `text` (a `section(name, …)`), or `text` appended. */
export function withSection(markdown, name, text) {
  const at = markdown.indexOf(start(name));
  if (at < 0) return `${markdown.trimEnd()}\n\n${text}\n`;
  const stop = markdown.indexOf(end(name), at);
  return `${markdown.slice(0, at)}${text}${stop < 0 ? "" : markdown.slice(stop + end(name).length)}`;
}

/** Every section `names` of `markdown` there is, in that order (what a full rewrite of the file keeps). */
export function sectionsOf(markdown, names) {
  return names.map((name) => sectionOf(markdown, name)).filter(Boolean);
}
