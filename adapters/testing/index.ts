/**
 * `gatehouse-auth/testing`: the real Account service, in memory, for the tests of the apps that use
 * it (README, "Testing your app"). Never imported by the package's other entries, so production
 * bundles leave it out.
 */
export { createTestAccountService, cheapHasher, TEST_PROJECT_ID, TEST_API_KEY, TEST_PASSWORD } from "./service";
export type { TestAccountService, TestServiceOptions, TestUser, TestSession, SignUpInput } from "./service";
export { createSqliteTestAccountService } from "./sqlite";
export { testClock, durationMs, TEST_EPOCH } from "./clock";
export type { TestClock, Duration } from "./clock";
export { totp, totpOn } from "./totp";
export type { Totp } from "./totp";
export type { TestEmail, TestEmailOf, LinkEmail, MagicUrlEmail, CodeEmail, AlertEmail, TestSms, TestSmsOf } from "./inbox";
export type { TestHttpClient, TestHttpOptions, TestResponse, WireBody } from "./http";
export type { CookieJar } from "./cookie-jar";
export type { TestServer, SdkModule } from "./loopback";
