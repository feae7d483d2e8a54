/** Placeholder until the engine issue lands this part. */
export {};
