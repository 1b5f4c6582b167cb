export type SmsKind = "phone-login" | "phone-verification" | "mfa-otp";

export interface SmsMessage {
  to: string;
  kind: SmsKind;
  text: string;
  secret: string;
}

export interface Sms {
  send(message: SmsMessage): Promise<void>;
}
