import type { TargetRecord, UserRecord } from "../ports/store";
import { formatDate } from "./datetime";

/**
 * The Account model, fields in Appwrite's order (pinned by `ACCOUNT_FIELDS` in
 * test/http/account.test.ts, and against today's SDKs' declarations in
 * test/http/models-latest.test.ts). Secrets never leave. The fields after 1.6 are left out for
 * older SDKs by src/http/response-format.ts: Gatehouse computes none of the e-mail facts and has
 * no breach check or impersonation, so they are `null` (unknown) and `false`.
 */
export function toAccount(user: UserRecord, targets: TargetRecord[]) {
  return {
    $id: user.id,
    $createdAt: formatDate(user.createdAt),
    $updatedAt: formatDate(user.updatedAt),
    name: user.name,
    registration: formatDate(user.registration),
    status: user.status,
    labels: user.labels,
    passwordUpdate: formatDate(user.passwordUpdatedAt),
    email: user.email ?? "",
    phone: user.phone ?? "",
    emailVerification: user.emailVerification,
    emailCanonical: null,
    emailIsFree: null,
    emailIsDisposable: null,
    emailIsCorporate: null,
    emailIsCanonical: null,
    passwordPwned: null,
    phoneVerification: user.phoneVerification,
    mfa: user.mfa,
    prefs: user.prefs,
    targets: targets.map(toTarget),
    accessedAt: formatDate(user.accessedAt),
    impersonator: false,
    impersonatorUserId: null,
  };
}

export function toTarget(target: TargetRecord) {
  return {
    $id: target.id,
    $createdAt: formatDate(target.createdAt),
    $updatedAt: formatDate(target.updatedAt),
    name: target.name,
    userId: target.userId,
    providerId: target.providerId,
    providerType: target.providerType,
    identifier: target.identifier,
    expired: target.expired,
  };
}

export type AccountModel = ReturnType<typeof toAccount>;
