import { performance } from "node:perf_hooks";
import { createAccountService, memoryStore } from "../src/index";
const hasher = { hash: async (p: string) => `plain$${p}`, verify: async (h: string, p: string) => h === `plain$${p}`, needsRehash: () => false };
const service = createAccountService({ projectId: "bench", store: memoryStore(), rateLimits: false, auth: { maxSessions: 100 }, passwordHasher: hasher });
const P = "bench-password-123";
for (let i = 0; i < 4; i++) await service.create({ userId: "unique()", email: `l${i}@b.test`, password: P });
for (let round = 0; round < 3; round++) {
  const n = 20000; const t = performance.now(); const c = process.cpuUsage();
  for (let i = 0; i < n; i++) await service.execute("createEmailPasswordSession", { ip: "127.0.0.1" }, { email: `l${i % 4}@b.test`, password: P });
  const cu = process.cpuUsage(c);
  console.log("login core (no hash):", ((performance.now() - t) * 1000 / n).toFixed(1), "µs wall/op", ((cu.user + cu.system) / n).toFixed(1), "µs cpu/op");
}
