// oidc-provider ships no type declarations; the OAuth2 tests use it as a loosely typed fixture.
declare module "oidc-provider" {
  const Provider: any;
  export default Provider;
}
