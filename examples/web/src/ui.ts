/** Small DOM helpers the flows share: find elements, run a form's action and show its outcome. */
import { AppwriteException } from "appwrite";

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

export const value = (id: string) => byId<HTMLInputElement>(id).value.trim();

/** An element with text content only: nothing from the API is ever parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text = "", attrs: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  element.textContent = text;
  for (const [name, val] of Object.entries(attrs)) element.setAttribute(name, val);
  return element;
}

/** What went wrong, in words: Appwrite's error type and message, or why the browser refused. */
export function describeError(error: unknown): string {
  if (error instanceof AppwriteException) return `${error.type || "error"} (${error.code}): ${error.message}`;
  if (error instanceof TypeError) {
    return `Network error: ${error.message}. The API refused this page's origin, or is not running (see the browser console).`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function setStatus(element: HTMLElement, state: "busy" | "ok" | "error", text: string) {
  element.dataset.state = state;
  element.textContent = text;
  element.hidden = false;
}

/**
 * Runs `action` when the form is submitted and shows its result in the form's `.status`:
 * `data-state` is busy, then ok (with the returned text) or error (with Appwrite's error type).
 */
export function onSubmit(id: string, action: (form: HTMLFormElement) => Promise<string>) {
  const form = byId<HTMLFormElement>(id);
  const status = form.querySelector<HTMLElement>(".status")!;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setStatus(status, "busy", "Working…");
    action(form).then(
      (text) => setStatus(status, "ok", text),
      (error: unknown) => {
        console.error(error);
        setStatus(status, "error", describeError(error));
      },
    );
  });
}

export const when = (iso: string) => (iso ? iso.replace("T", " ").replace(/\.\d+.*$/, "") : "");
