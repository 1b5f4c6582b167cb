/** Shared by the bench parent and the server child. */
export const PROJECT = "bench";
