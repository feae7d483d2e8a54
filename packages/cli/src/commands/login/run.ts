import type { CliContext } from "../../cli/context.js";
import { loadConfig } from "../../config.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { signIn, type SignInFlow } from "../../oauth.js";
import { cloudAuthority, graphScopes } from "../../auth/providers.js";

/** Runs `ewsdav login [ACCOUNT]`: signs in to a delegated OAuth account (EWS or Graph) and writes its token cache. */
export async function run(context: CliContext): Promise<number> {
  const config = loadConfig(context.configPath, { warn: context.warn });
  const delegated = Object.entries(config.accounts).filter(([, a]) => (a.type === "ews" || a.type === "graph") && a.auth.type === "oauth" && a.auth.flow === "delegated");
  let name = context.args.positionals[0];
  if (name === undefined) {
    if (delegated.length !== 1) {
      throw new CliError(
        delegated.length === 0
          ? `${context.configPath} has no delegated OAuth account ("auth": { "type": "oauth", "flow": "delegated", … })`
          : `${context.configPath} has ${delegated.length} delegated OAuth accounts (${delegated.map(([n]) => n).join(", ")}): name one, e.g. ewsdav login ${delegated[0]![0]}`,
        EXIT.usage,
      );
    }
    name = delegated[0]![0];
  }
  const account = config.accounts[name];
  if (!account) throw new CliError(`no account named "${name}" in ${context.configPath} (accounts: ${Object.keys(config.accounts).join(", ")})`, EXIT.usage);
  if ((account.type !== "ews" && account.type !== "graph") || account.auth.type !== "oauth") throw new CliError(`accounts.${name}: not an OAuth account; only delegated OAuth accounts sign in`, EXIT.usage);
  if (account.auth.flow !== "delegated") throw new CliError(`accounts.${name}: an app-only account needs no sign-in (it uses its client secret or certificate)`, EXIT.usage);
  const flowOption = context.args.values.flow;
  if (flowOption !== undefined && flowOption !== "device-code" && flowOption !== "localhost") throw new CliError(`--flow: "${String(flowOption)}" is not device-code or localhost`, EXIT.usage);
  const portOption = context.args.values.port;
  let port: number | undefined;
  if (portOption !== undefined) {
    port = Number(portOption);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port: "${String(portOption)}" is not a port number`, EXIT.usage);
  }
  const auth = account.auth;
  const flow = (flowOption as SignInFlow | undefined) ?? auth.signIn;
  // A Graph account asks for Graph's permissions, at its cloud's identity provider.
  const authority = auth.authority ?? (account.type === "graph" ? cloudAuthority(account.cloud, auth.tenantId) : undefined);
  context.detail(`signing in to ${name} (${flow}); tokens go to ${auth.tokenCache}`);
  const result = await signIn(context, {
    accountName: name,
    clientId: auth.clientId,
    tenantId: auth.tenantId,
    ...(authority !== undefined ? { authority } : {}),
    ...(account.type === "graph" ? { scopes: graphScopes(account.cloud, "delegated") } : {}),
    flow,
    tokenCachePath: auth.tokenCache!,
    network: { ...(account.resolve ? { resolve: account.resolve } : {}), ...(account.caFile !== undefined ? { caFile: account.caFile } : {}) },
    ...(port !== undefined ? { port } : {}),
    ...(context.args.values["no-browser"] ? { openBrowser: false } : {}),
  });
  context.say(`signed in to ${name} as ${result.username}; tokens kept in ${result.tokenCachePath} (0600)`);
  context.event({ type: "signed-in", account: name, username: result.username, tokenCache: result.tokenCachePath });
  context.result({ account: name, ...result });
  return EXIT.ok;
}
