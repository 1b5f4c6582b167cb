/**
 * What the demo server tells the page (examples/express/web-app.ts writes it into index.html as
 * JSON, so one build serves any port): where the API is, the project, and the development extras.
 */
export interface DemoConfig {
  endpoint: string;
  projectId: string;
  /** The development outbox's JSON on this origin, or null when messages are really sent. */
  outbox: string | null;
  mockPhone: { phone: string; otp: string };
  oauth2: string[];
}

function read(): DemoConfig {
  const element = document.getElementById("gatehouse-demo");
  if (!element?.textContent) throw new Error("The page was not served by the demo server (no #gatehouse-demo config).");
  return JSON.parse(element.textContent) as DemoConfig;
}

export const config = read();

/** Where the API sends users back to: paths of this page, read by flows/landing.ts. */
export const returnUrl = (path: string) => `${location.origin}${path}`;
