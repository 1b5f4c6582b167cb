export * from "./store";
export * from "./mailer";
export * from "./sms";
export * from "./clock";
export * from "./rate-limiter";
export * from "./password-hasher";
export * from "./geo";
