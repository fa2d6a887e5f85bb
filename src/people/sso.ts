/**
 * Single sign-on over OpenID Connect (the authorization code flow with PKCE, state and nonce, through openid-client).
 * An attempt's state, nonce and PKCE verifier wait in the database for ten minutes, found by the SHA-256 of a random
 * binding value the browser holds in a cookie: the provider's answer is accepted only in the browser that started it.
 * The person is found by the provider's verified e-mail address among the people of the organisation file.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as oidc from 'openid-client';
import type { DB } from '../db/schema.ts';
import type { OidcConfig } from '../config.ts';
import { EntenteError, badInput } from '../errors.ts';
import { memberId } from './passwords.ts';

/** How long a browser has between leaving for the provider and coming back. */
export const ssoAttemptMs = 10 * 60_000;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Single sign-on over one provider: where to send the browser, and who came back. */
export interface Sso {
  /** What the sign-in button names ("Sign in with <name>"). */
  name: string;
  /** Starts an attempt: the provider's address to send the browser to, and the binding value for its cookie. */
  start(db: Kysely<DB>, returnTo: string, now: Date): Promise<{ url: string; binding: string }>;
  /** Checks the provider's answer (the callback address as the browser requested it) against the attempt the binding names. */
  finish(
    db: Kysely<DB>,
    binding: string | undefined,
    callback: URL,
    now: Date,
  ): Promise<{ personId: number; email: string; returnTo: string }>;
}

/** The SSO of a configured provider; its discovery document is fetched at the first sign-in and kept once it answers. */
export function createSso(config: OidcConfig): Sso {
  let discovered: Promise<oidc.Configuration> | undefined;
  const issuer = new URL(config.issuer);
  const provider = async (): Promise<oidc.Configuration> => {
    discovered ??= oidc.discovery(
      issuer,
      config.clientId,
      { client_secret: config.clientSecret, redirect_uris: [config.redirectUri] },
      oidc.ClientSecretBasic(config.clientSecret),
      {
        timeout: 10,
        // Plain http is accepted by the configuration only for a provider on this machine's loopback (a test or a local setup).
        ...(issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
      },
    );
    try {
      return await discovered;
    } catch (e) {
      discovered = undefined; // tried again at the next sign-in
      throw unreachable(config, e);
    }
  };

  return {
    name: config.name,
    async start(db, returnTo, now) {
      const c = await provider();
      const binding = randomBytes(32).toString('base64url');
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const verifier = oidc.randomPKCECodeVerifier();
      await db.transaction().execute(async (trx) => {
        // Attempts never finished (a closed tab) go when a new one starts.
        await trx.deleteFrom('sso_attempts').where('expires_at', '<=', now).execute();
        await trx
          .insertInto('sso_attempts')
          .values({
            binding_hash: sha256(binding),
            state,
            nonce,
            code_verifier: verifier,
            return_to: safeReturn(returnTo),
            expires_at: new Date(now.getTime() + ssoAttemptMs),
          })
          .execute();
      });
      const url = oidc.buildAuthorizationUrl(c, {
        redirect_uri: config.redirectUri,
        scope: 'openid email profile',
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, binding };
    },

    async finish(db, binding, callback, now) {
      const again = 'start again from the sign-in page';
      if (!binding)
        throw badInput(`this sign-in did not start in this browser (or its cookie is gone); ${again}`, {
          reason: 'no_attempt',
        });
      // One use: whatever happens next, this attempt is over.
      const attempt = await db
        .deleteFrom('sso_attempts')
        .where('binding_hash', '=', sha256(binding))
        .returningAll()
        .executeTakeFirst();
      if (!attempt || new Date(attempt.expires_at) <= now)
        throw badInput(`this sign-in started more than ten minutes ago or is already finished; ${again}`, {
          reason: 'no_attempt',
        });
      const params = callback.searchParams;
      // The provider's answer must carry the state this browser's attempt holds: another's code (login CSRF) does not.
      if (params.get('state') !== attempt.state)
        throw badInput(
          `the provider's answer does not belong to the sign-in this browser started (its state differs); ${again}`,
          { reason: 'state' },
        );
      if (params.get('error')) {
        throw new EntenteError(
          'unauthorized',
          `${config.name} did not sign you in (${params.get('error_description') ?? params.get('error')}); ${again}, or sign in with your e-mail and password`,
          { reason: 'provider' },
        );
      }
      const c = await provider();
      const current = new URL(config.redirectUri);
      current.search = callback.search;
      let claims: Record<string, unknown>;
      try {
        const tokens = await oidc.authorizationCodeGrant(c, current, {
          pkceCodeVerifier: attempt.code_verifier,
          expectedState: attempt.state,
          expectedNonce: attempt.nonce,
          idTokenExpected: true,
        });
        const idClaims = tokens.claims()!;
        claims = idClaims;
        // Many providers put the e-mail in the ID token; others only answer it at the userinfo endpoint.
        if (typeof idClaims.email !== 'string' || idClaims.email_verified === undefined) {
          claims = { ...idClaims, ...(await oidc.fetchUserInfo(c, tokens.access_token, idClaims.sub)) };
        }
      } catch (e) {
        if (isUnreachable(e)) throw unreachable(config, e);
        throw new EntenteError(
          'unauthorized',
          `we could not confirm the answer from ${config.name} (${(e as Error).message}); ${again}`,
          { reason: 'provider' },
        );
      }
      const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
      if (!email)
        throw new EntenteError(
          'unauthorized',
          `${config.name} did not tell us your e-mail address; ask an administrator to let Entente read it (the "email" scope)`,
          { reason: 'no_email' },
        );
      if (claims.email_verified !== true) {
        throw new EntenteError(
          'unauthorized',
          `${config.name} has not verified ${email}, so we cannot match it to a person; verify it there first, or ask an administrator for an invitation link`,
          { reason: 'unverified', email },
        );
      }
      const personId = await memberId(db, email);
      if (personId === undefined) {
        throw new EntenteError(
          'unauthorized',
          `${email} is not in any team of Entente's organisation file, so we do not know which work is yours; ask an administrator to add you to your team's members`,
          { reason: 'unknown_person', email },
        );
      }
      return { personId, email, returnTo: attempt.return_to };
    },
  };
}

/** A path in this app to come back to after signing in: anything else (another site, "//host") goes to the home page. */
export function safeReturn(path: string | undefined): string {
  return path && /^\/(?![/\\])[\x21-\x7e]*$/.test(path) && !path.startsWith('/api/') ? path : '/';
}

function isUnreachable(e: unknown): boolean {
  for (let x: unknown = e; x instanceof Error; x = x.cause) {
    if (
      x.name === 'AbortError'
      || x.name === 'TimeoutError'
      || /fetch failed|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET/.test(
        `${x.message} ${(x as NodeJS.ErrnoException).code ?? ''}`,
      )
    )
      return true;
  }
  return false;
}

function unreachable(config: OidcConfig, e: unknown): EntenteError {
  const why = isUnreachable(e) ? 'it does not answer' : (e as Error).message;
  return new EntenteError(
    'unavailable',
    `we could not reach ${config.name} at ${config.issuer} (${why}); try again in a few minutes, or sign in with your e-mail and password`,
    { issuer: config.issuer },
  );
}
