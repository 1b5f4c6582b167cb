import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { demoSettings } from "../../examples/express/settings";

/** The demo's environment settings (examples/express/settings.ts), as the README's table lists them. */
describe("demoSettings", () => {
  it("has the README's defaults", () => {
    expect(demoSettings({})).toEqual({
      appPort: 3000,
      apiPort: 3001,
      projectId: "demo",
      projectName: "Gatehouse demo",
      databaseUrl: "sqlite:./gatehouse-demo.sqlite",
      endpoint: null,
      apiKey: null,
      version: null,
      tls: null,
      geoipDb: null,
      oauth2: {},
      smtpUrl: null,
      smtpFrom: null,
    });
  });

  it("API_PORT follows PORT, and PORT=0 makes both free ports", () => {
    expect(demoSettings({ PORT: "8080" })).toMatchObject({ appPort: 8080, apiPort: 8081 });
    expect(demoSettings({ PORT: "0" })).toMatchObject({ appPort: 0, apiPort: 0 });
    expect(demoSettings({ PORT: "8080", API_PORT: "9000" })).toMatchObject({ appPort: 8080, apiPort: 9000 });
  });

  it("refuses a port that is not one, naming the variable", () => {
    expect(() => demoSettings({ PORT: "http" })).toThrow('PORT must be a port number (0-65535), not "http".');
    expect(() => demoSettings({ API_PORT: "70000" })).toThrow("API_PORT must be a port number");
  });

  it("reads OAUTH2_<PROVIDER>=<clientId>:<clientSecret>, the secret keeping its colons", () => {
    expect(demoSettings({ OAUTH2_GITHUB: "id:se:cret", OAUTH2_GOOGLE: "g:h", OAUTH2: "x:y" }).oauth2).toEqual({
      github: { clientId: "id", clientSecret: "se:cret" },
      google: { clientId: "g", clientSecret: "h" },
    });
    expect(() => demoSettings({ OAUTH2_GITHUB: "no-secret" })).toThrow("OAUTH2_GITHUB must be <clientId>:<clientSecret>.");
  });

  it("reads TLS_CERT and TLS_KEY together, and refuses one without the other", () => {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-settings-"));
    try {
      writeFileSync(join(dir, "c.pem"), "CERT");
      writeFileSync(join(dir, "k.pem"), "KEY");
      const { tls } = demoSettings({ TLS_CERT: join(dir, "c.pem"), TLS_KEY: join(dir, "k.pem") });
      expect(String(tls!.cert)).toBe("CERT");
      expect(String(tls!.key)).toBe("KEY");
      expect(() => demoSettings({ TLS_CERT: join(dir, "c.pem") })).toThrow("TLS_CERT and TLS_KEY go together");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes PROJECT_ID, API_KEY, APPWRITE_VERSION, ENDPOINT and GEOIP_DB as given", () => {
    expect(
      demoSettings({
        PROJECT_ID: "p",
        API_KEY: "k".repeat(16),
        APPWRITE_VERSION: "1.7.4",
        ENDPOINT: "https://api.example.com/v1",
        GEOIP_DB: "c.mmdb",
      }),
    ).toMatchObject({
      projectId: "p",
      apiKey: "k".repeat(16),
      version: "1.7.4",
      endpoint: "https://api.example.com/v1",
      geoipDb: "c.mmdb",
    });
  });
});
