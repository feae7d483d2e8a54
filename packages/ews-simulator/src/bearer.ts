/**
 * Bearer tokens for the simulator: a verifier that checks `Authorization: Bearer …` against
 * configured or issued tokens and answers 401 as Exchange Online does, and a front that puts it
 * before the simulator. App-only tokens are accepted only with `X-AnchorMailbox` naming the
 * mailbox (the request's `ExchangeImpersonation` then picks it inside the simulator).
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { startAuthGateway, type AuthGateway } from "./ntlm-gateway.js";

/** Who a token belongs to. */
export type BearerGrant =
  /** A delegated token of a user (their mailbox). */
  | { kind: "delegated"; smtpAddress: string }
  /** An app-only token (`full_access_as_app`): any mailbox named by X-AnchorMailbox. */
  | { kind: "app" };

/** Options of {@link createBearerVerifier}. */
export interface BearerVerifierOptions {
  /** Resolves a token; `undefined` for unknown, expired or revoked tokens. */
  resolve: (token: string) => BearerGrant | undefined;
}

/** Counters of the verifier. */
export interface BearerVerifierStatistics {
  accepted: number;
  refused: number;
}

/** Checks bearer tokens; returns the mailbox address, or answers 401 and returns `undefined`. */
export interface BearerVerifier {
  authorize(request: IncomingMessage, response: ServerResponse): Promise<string | undefined>;
  readonly statistics: BearerVerifierStatistics;
}

function drain(request: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (request.readableEnded) return resolve();
    request.on("end", () => resolve());
    request.on("error", () => resolve());
    request.resume();
  });
}

/** Creates a bearer verifier. */
export function createBearerVerifier(options: BearerVerifierOptions): BearerVerifier {
  const statistics: BearerVerifierStatistics = { accepted: 0, refused: 0 };
  const refuse = async (request: IncomingMessage, response: ServerResponse, error: string) => {
    statistics.refused++;
    await drain(request);
    response.writeHead(401, {
      "www-authenticate": `Bearer client_id="00000002-0000-0ff1-ce00-000000000000", token_types="app_asserted_user_v1 service_asserted_app_v1", error="${error}"`,
      "x-ms-diagnostics": `2000001;reason="${error === "invalid_token" ? "The token is invalid or has expired." : "The anchor mailbox is missing."}";error_category="invalid_token"`,
      "content-length": "0",
    });
    response.end();
    return undefined;
  };
  return {
    statistics,
    async authorize(request, response) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
      const grant = match ? options.resolve(match[1]!) : undefined;
      if (!grant) return refuse(request, response, "invalid_token");
      if (grant.kind === "delegated") {
        statistics.accepted++;
        return grant.smtpAddress;
      }
      const anchor = request.headers["x-anchormailbox"];
      if (typeof anchor !== "string" || !anchor.includes("@")) return refuse(request, response, "invalid_request");
      statistics.accepted++;
      return anchor;
    },
  };
}

/** Options of {@link startBearerGateway}. */
export interface BearerGatewayOptions extends BearerVerifierOptions {
  /** The simulator's EWS URL. */
  target: string;
  /** The simulator's Basic credentials of each mailbox. */
  backendCredentials: (smtpAddress: string) => { username: string; password: string };
}

/** A bearer-only front for the simulator. */
export interface BearerGateway extends AuthGateway {
  readonly verifier: BearerVerifier;
}

/** Starts a bearer-only front for the simulator. */
export async function startBearerGateway(options: BearerGatewayOptions): Promise<BearerGateway> {
  const verifier = createBearerVerifier(options);
  const gateway = await startAuthGateway({ target: options.target, authorize: verifier.authorize, backendCredentials: options.backendCredentials });
  return Object.assign(gateway, { verifier });
}
