import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "bench/server.ts"], { stdio: ["pipe", "pipe", "inherit"] });
const line = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once("line", r));
const base = `http://127.0.0.1:${JSON.parse(line).port}`;
const cpu = async () => (await (await fetch(`${base}/bench/cpu`)).json()).us;
async function run(label: string, session: string, path = "/v1/account") {
  const c0 = await cpu();
  const r = await autocannon({ url: `${base}${path}`, connections: 10, duration: 3, headers: { "x-appwrite-project": "bench", "x-appwrite-session": session } });
  console.log(label, r.requests.average.toFixed(0), "cpu", ((await cpu() - c0) / r.requests.total).toFixed(0), "non2xx", r.non2xx);
}
const order = (process.env.ORDER ?? "1k,100k").split(",");
for (const o of order) {
  const total = o === "1k" ? 1000 : 100000;
  const seed = await (await fetch(`${base}/bench/seed?total=${total}&probe=500`, { method: "POST" })).json();
  for (let i = 0; i < 4; i++) { await run(`${o} #${i}`, seed.session); await run(`   bare`, seed.session, "/bare"); }
}
child.stdin!.end();
