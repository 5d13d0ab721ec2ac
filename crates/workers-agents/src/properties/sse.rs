//! Server-Sent Events (`sse/framing.rs`, `sse/parse.rs`): what the framer
//! writes parses back to the same event, whatever the text holds and
//! wherever the stream is split; the parser takes any bytes.

use super::{check, Rng};
use crate::sse::framing::{comment, event};

/// Text with many line ends of every kind, empty lines included.
fn multiline(rng: &mut Rng) -> String {
    let mut text = String::new();
    for _ in 0..rng.len(8) {
        match rng.below(6) {
            0 => text.push('\n'),
            1 => text.push_str("\r\n"),
            2 => text.push('\r'),
            3 => text.push_str(rng.pick(&["data: x", ": c", "id: 9", "event: e", "", " "])),
            _ => text.push_str(&rng.text(10)),
        }
    }
    text
}

/// The data an SSE client reads back for `data`: every line end (CRLF, CR
/// or LF) is one `\n`.
fn normalized(data: &str) -> String {
    data.replace("\r\n", "\n").replace('\r', "\n")
}

/// A field value the framer can carry: one line.
fn one_line(rng: &mut Rng) -> String {
    rng.text(10).replace(['\r', '\n', '\0'], "")
}

#[cfg(feature = "ai")]
mod parse {
    use super::super::{check, Rng};
    use super::{comment, event, multiline, normalized, one_line};
    use crate::sse::parse::{SseEvent, SseParser};

    /// Every event of `bytes`, fed in the given chunks.
    fn parse(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut parser = SseParser::new();
        let mut events: Vec<SseEvent> = chunks.iter().flat_map(|chunk| parser.push(chunk)).collect();
        events.extend(parser.finish());
        events
    }

    fn parse_split(rng: &mut Rng, bytes: &[u8]) -> Vec<SseEvent> {
        parse(&rng.chunks(bytes))
    }

    #[test]
    fn framed_text_parses_back_to_the_same_event() {
        check("sse_frame_round_trip", 4000, |rng| {
            let data = multiline(rng);
            let name = rng.one_in(2).then(|| one_line(rng));
            let id = rng.one_in(2).then(|| one_line(rng));
            let framed = event(name.as_deref(), id.as_deref(), &data);
            let got = parse_split(rng, framed.as_bytes());
            let expect = SseEvent { event: name, data: normalized(&data), id };
            assert_eq!(got, vec![expect], "data: {data:?}, framed: {framed:?}");
        });
    }

    #[test]
    fn a_stream_of_events_and_comments_parses_to_the_events_in_order() {
        check("sse_stream", 2000, |rng| {
            let mut stream = String::new();
            let mut expect = Vec::new();
            let mut last_id = None;
            for _ in 0..rng.len(6) {
                if rng.one_in(3) {
                    stream.push_str(&comment(&one_line(rng)));
                    continue;
                }
                let data = multiline(rng);
                let name = rng.one_in(2).then(|| one_line(rng));
                let id = rng.one_in(3).then(|| one_line(rng));
                stream.push_str(&event(name.as_deref(), id.as_deref(), &data));
                // The last id seen stays the stream's id (the spec's last event id).
                last_id = id.or(last_id);
                expect.push(SseEvent { event: name, data: normalized(&data), id: last_id.clone() });
            }
            assert_eq!(parse_split(rng, stream.as_bytes()), expect, "stream: {stream:?}");
        });
    }

    #[test]
    fn any_bytes_give_the_same_events_however_they_are_split() {
        check("sse_any_bytes", 4000, |rng| {
            let mut bytes = rng.bytes(80);
            if rng.one_in(2) {
                // Make fields and line ends common.
                for _ in 0..rng.len(6) {
                    let at = rng.below(bytes.len() as u64 + 1) as usize;
                    let piece: &[u8] =
                        rng.pick(&[b"\r", b"\n", b"\r\n", b"data:", b"data: ", b"id:", b":", b"\xef\xbb\xbf"]);
                    bytes.splice(at..at, piece.iter().copied());
                }
            }
            let whole = parse(&[&bytes]);
            let split = parse_split(rng, &bytes);
            assert_eq!(split, whole, "bytes: {bytes:?}");
            let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
            assert_eq!(parse(&one_by_one), whole, "bytes: {bytes:?}");
        });
    }
}

#[test]
fn framing_writes_whole_lines_and_a_blank_line_at_the_end() {
    check("sse_frame_shape", 3000, |rng| {
        let data = multiline(rng);
        let framed = event(Some("message"), Some("1"), &data);
        assert!(framed.ends_with("\n\n"), "framed: {framed:?}");
        let body = &framed[..framed.len() - 1];
        // One blank line only: the event's end. Every other line is a field.
        for line in body.split_terminator('\n') {
            assert!(!line.contains('\r'), "a CR inside a line ends it for clients: {line:?}");
            assert!(line.starts_with("data: ") || line == "event: message" || line == "id: 1", "line: {line:?}");
        }
        let data_lines = body.split_terminator('\n').filter(|l| l.starts_with("data: ")).count();
        assert_eq!(data_lines, normalized(&data).split('\n').count());
        let text = one_line(rng);
        assert_eq!(comment(&text), format!(": {text}\n\n"));
    });
}

#[test]
fn a_name_or_id_cannot_add_lines() {
    check("sse_name_id_one_line", 2000, |rng| {
        let name = multiline(rng);
        let id = multiline(rng);
        let framed = event(Some(&name), Some(&id), "x");
        let lines: Vec<&str> = framed.split_terminator(['\r', '\n']).collect();
        assert_eq!(lines.len(), 4, "name {name:?}, id {id:?}: {framed:?}");
    });
}

#[cfg(feature = "mcp")]
#[test]
fn accept_headers_admit_the_type_itself_its_wildcards_and_any_list_holding_them() {
    use crate::sse::framing::accepts;
    check("sse_accepts", 3000, |rng| {
        let mime = format!("{}/{}", rng.ident(6).to_ascii_lowercase(), rng.ident(8).to_ascii_lowercase());
        let major = mime.split('/').next().expect("a major type").to_owned();
        let admitting = rng.pick(&[mime.as_str(), "*/*", &format!("{major}/*"), &mime.to_ascii_uppercase()]).to_owned();
        let others: Vec<String> = (0..rng.len(3)).map(|_| rng.text(8).replace(',', "")).collect();
        let mut items = others.clone();
        let params = if rng.one_in(2) { ";q=0.5" } else { "" };
        items.insert(rng.below(items.len() as u64 + 1) as usize, format!(" {admitting}{params} "));
        assert!(accepts(&items.join(","), &mime), "accept: {:?}, mime: {mime}", items.join(","));
        // Never panics on anything.
        let _ = accepts(&rng.text(20), &rng.text(10));
    });
}
