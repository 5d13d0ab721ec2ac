import { startWrangler } from "./lib/server.mjs";
import { serverCpu } from "./lib/cpu.mjs";
import * as w from "./workloads.mjs";
const [workload = "fanOut", sizeJson = '{"clients":50,"rounds":100}', rounds = "6"] = process.argv.slice(2);
const size = JSON.parse(sizeJson);
const servers = { new: await startWrangler({ cwd: "/work/main/bench/rust", port: 18800 }), old: await startWrangler({ cwd: "/tmp/old/bench/rust", port: 18810 }) };
const meters = { new: serverCpu(servers.new.url), old: serverCpu(servers.old.url) };
const res = { new: [], old: [] };
for (let i = 0; i < Number(rounds); i++) for (const side of i % 2 ? ["new", "old"] : ["old", "new"]) res[side].push(await meters[side].measure(() => w[workload](servers[side].url, size)));
const med = (v) => { v = v.filter(Number.isFinite).sort((a, b) => a - b); return v[Math.floor((v.length - 1) / 2)]; };
for (const side of ["old", "new"]) { const keys = Object.keys(res[side][0]); console.log(side, keys.map((k) => `${k}=${med(res[side].map((r) => r[k]))}`).join(" ")); }
servers.new.stop(); servers.old.stop();
