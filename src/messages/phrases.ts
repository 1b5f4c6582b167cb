import { randomInt } from "node:crypto";

const ADJECTIVES = [
  "Able", "Bold", "Brave", "Bright", "Calm", "Clever", "Cosy", "Crisp", "Curious", "Daring", "Eager", "Fair", "Fancy", "Gentle", "Golden",
  "Happy", "Honest", "Jolly", "Kind", "Lively", "Loyal", "Lucky", "Merry", "Mighty", "Nimble", "Noble", "Patient", "Polite", "Proud", "Quick",
  "Quiet", "Rapid", "Rare", "Silver", "Smart", "Steady", "Swift", "Tidy", "Warm", "Wise",
];
const NOUNS = [
  "badger", "bear", "beaver", "bison", "crane", "deer", "dolphin", "eagle", "falcon", "ferret", "finch", "fox", "gecko", "heron", "horse",
  "koala", "lark", "lemur", "lion", "lynx", "magpie", "marten", "moose", "otter", "owl", "panda", "parrot", "puffin", "rabbit", "raven",
  "robin", "salmon", "seal", "sparrow", "swan", "tiger", "toucan", "turtle", "walrus", "wolf",
];

/** A security phrase like "Golden fox", shown where the user asked and repeated in the e-mail. */
export function securityPhrase(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]} ${NOUNS[randomInt(NOUNS.length)]}`;
}
