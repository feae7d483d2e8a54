// The undici files `undici.ts` loads instead of undici's entry point (undici ships no types for
// them): each is the CommonJS module.exports of the named value.
declare module "undici/lib/dispatcher/agent.js" {
  const Agent: typeof import("undici").Agent;
  export default Agent;
}
declare module "undici/lib/dispatcher/client.js" {
  const Client: typeof import("undici").Client;
  export default Client;
}
declare module "undici/lib/dispatcher/dispatcher.js" {
  const Dispatcher: typeof import("undici").Dispatcher;
  export default Dispatcher;
}
declare module "undici/lib/core/connect.js" {
  const buildConnector: typeof import("undici").buildConnector;
  export default buildConnector;
}
declare module "undici/lib/api/index.js" {
  const api: Record<string, unknown>;
  export default api;
}
declare module "undici/lib/global.js" {
  const global: { getGlobalDispatcher(): import("undici").Dispatcher };
  export default global;
}
