/**
 * The configuration files of a LemonLDAP::NG OpenID Provider run by the test fixture
 * (tests/support/lemonldap.ts): the portal's configuration (`lmConf-1.json`), the local
 * `lemonldap-ng.ini` that points every path into the run's own directory, and nginx's
 * configuration in front of the FastCGI portal. Pure functions of {@link LemonLdapLayout}.
 *
 * The configuration follows the Debian package's `lmConf-1.json` (Demo users dwho/dwho,
 * rtyler/rtyler, msmith/msmith) with an OpenID Provider and two clients on top.
 *
 * @module
 */

/** Where a run keeps its files and what it serves. */
export interface LemonLdapLayout {
  /** The run's directory; every path below is inside it. */
  root: string;
  /** The portal's port on 127.0.0.1. */
  port: number;
  /** Loopback ports registered as redirect URIs (LemonLDAP matches redirect URIs exactly). */
  callbackPorts: readonly number[];
  /** ID and access token lifetime in seconds. */
  tokenTtlSec: number;
  /** The OIDC signing key, PKCS#1 PEM, and its public half. */
  signingKey: { privatePem: string; publicPem: string; kid: string };
  /** The confidential client's secret. */
  clientSecret: string;
  /** The user nginx workers run as when started by root. */
  user?: string;
}

/** The public client: PKCE, refresh tokens, the password grant. */
export const LEMONLDAP_PUBLIC_CLIENT_ID = "kubernetes";
/** A confidential client with the same grants, authenticated by its secret. */
export const LEMONLDAP_CONFIDENTIAL_CLIENT_ID = "kubernetes-confidential";

/** The issuer: set explicitly, as the default is the portal URL with a trailing slash. */
export function issuerOf(layout: LemonLdapLayout): string {
  return `http://127.0.0.1:${layout.port}`;
}

/** Paths of the run's directories and files. */
export function pathsOf(root: string): Record<
  "conf" | "cache" | "sessions" | "psessions" | "notifications" | "log" | "run" | "ini" | "nginx",
  string
> {
  return {
    conf: `${root}/conf`,
    cache: `${root}/cache`,
    sessions: `${root}/sessions`,
    psessions: `${root}/psessions`,
    notifications: `${root}/notifications`,
    log: `${root}/log`,
    run: `${root}/run`,
    ini: `${root}/lemonldap-ng.ini`,
    nginx: `${root}/nginx.conf`,
  };
}

function client(layout: LemonLdapLayout, clientId: string, secret?: string) {
  const uris = layout.callbackPorts.flatMap((port) => [
    `http://localhost:${port}`,
    `http://127.0.0.1:${port}`,
  ]);
  return {
    oidcRPMetaDataOptionsClientID: clientId,
    oidcRPMetaDataOptionsDisplayName: clientId,
    oidcRPMetaDataOptionsPublic: secret ? 0 : 1,
    ...(secret ? { oidcRPMetaDataOptionsClientSecret: secret } : {}),
    oidcRPMetaDataOptionsRedirectUris: uris.join(" "),
    oidcRPMetaDataOptionsRequirePKCE: secret ? 0 : 1,
    oidcRPMetaDataOptionsRefreshToken: 1,
    oidcRPMetaDataOptionsAllowOffline: 1,
    oidcRPMetaDataOptionsAllowPasswordGrant: 1,
    // The consent page is kept: the browser driver must get past it, as a person would.
    oidcRPMetaDataOptionsBypassConsent: 0,
    oidcRPMetaDataOptionsIDTokenSignAlg: "RS256",
    oidcRPMetaDataOptionsAccessTokenSignAlg: "RS256",
    // Without this, claims are only in the userinfo answer, which Kubernetes never reads.
    oidcRPMetaDataOptionsIDTokenForceClaims: 1,
    oidcRPMetaDataOptionsIDTokenExpiration: layout.tokenTtlSec,
    oidcRPMetaDataOptionsAccessTokenExpiration: layout.tokenTtlSec,
    oidcRPMetaDataOptionsUserIDAttr: "uid",
  };
}

const EXPORTED_VARS = {
  email: "mail",
  email_verified: "email_verified;bool;never",
  name: "cn",
  preferred_username: "uid",
  // LemonLDAP keeps groups as one string; "always" makes the claim a JSON array.
  groups: "groups;string;always",
};

/** `lmConf-1.json`: the portal's whole configuration. */
export function portalConfig(layout: LemonLdapLayout): Record<string, unknown> {
  const paths = pathsOf(layout.root);
  const issuer = issuerOf(layout);
  const clients = {
    [LEMONLDAP_PUBLIC_CLIENT_ID]: undefined,
    [LEMONLDAP_CONFIDENTIAL_CLIENT_ID]: layout.clientSecret,
  };
  const perClient = <T>(value: T) =>
    Object.fromEntries(Object.keys(clients).map((id) => [id, value]));
  return {
    cfgNum: 1,
    cfgAuthor: "tests/support/lemonldap",
    // Zero would read as "no configuration".
    cfgDate: String(Math.floor(Date.now() / 1000)),
    cfgVersion: "2.16.1",
    authentication: "Demo",
    userDB: "Same",
    passwordDB: "Demo",
    registerDB: "Demo",
    demoExportedVars: { cn: "cn", mail: "mail", uid: "uid" },
    whatToTrace: "_whatToTrace",
    macros: { _whatToTrace: "lc($_user)" },
    groups: {},
    exportedVars: {},
    cookieName: "lemonldap",
    portal: `${issuer}/`,
    // The portal refuses to start without a cookie domain; Chromium accepts 127.0.0.1.
    domain: "127.0.0.1",
    securedCookie: 0,
    timeout: 72000,
    notification: 0,
    loginHistoryEnabled: 0,
    portalSkin: "bootstrap",
    globalStorage: "Apache::Session::File",
    globalStorageOptions: {
      Directory: paths.sessions,
      LockDirectory: `${paths.sessions}/lock`,
      generateModule: "Lemonldap::NG::Common::Apache::Session::Generate::SHA256",
    },
    persistentStorage: "Apache::Session::File",
    persistentStorageOptions: {
      Directory: paths.psessions,
      LockDirectory: `${paths.psessions}/lock`,
    },
    localSessionStorage: "Cache::FileCache",
    localSessionStorageOptions: {
      cache_depth: 3,
      cache_root: paths.cache,
      default_expires_in: 600,
      directory_umask: "007",
      namespace: "lemonldap-ng-sessions",
    },
    notificationStorage: "File",
    notificationStorageOptions: { dirName: paths.notifications },
    locationRules: { "127.0.0.1": { default: "accept" } },
    reloadUrls: {},
    issuerDBOpenIDConnectActivation: 1,
    oidcServiceMetaDataIssuer: issuer,
    oidcServicePrivateKeySig: layout.signingKey.privatePem,
    oidcServicePublicKeySig: layout.signingKey.publicPem,
    oidcServiceKeyIdSig: layout.signingKey.kid,
    oidcServiceIDTokenExpiration: layout.tokenTtlSec,
    oidcServiceAccessTokenExpiration: layout.tokenTtlSec,
    oidcRPMetaDataOptions: Object.fromEntries(
      Object.entries(clients).map(([id, secret]) => [id, client(layout, id, secret)]),
    ),
    oidcRPMetaDataExportedVars: perClient(EXPORTED_VARS),
    oidcRPMetaDataMacros: perClient({ email_verified: "1" }),
    oidcRPMetaDataOptionsExtraClaims: perClient({ groups: "groups" }),
  };
}

/** `lemonldap-ng.ini`: the configuration backend and local cache in the run's directory. */
export function iniFile(layout: LemonLdapLayout, logLevel = "notice"): string {
  const paths = pathsOf(layout.root);
  return `[all]
logLevel = ${logLevel}
checkTime = 1

[configuration]
type = File
dirName = ${paths.conf}
localStorage = Cache::FileCache
localStorageOptions = { 'namespace' => 'lemonldap-ng-config', 'default_expires_in' => 600, \\
  'directory_umask' => '007', 'cache_root' => '${paths.cache}', 'cache_depth' => 3 }

[portal]
staticPrefix = /static
templateDir = /usr/share/lemonldap-ng/portal/templates
languages = en

[handler]
status = 0
useRedirectOnError = 1
`;
}

/** nginx in front of the FastCGI portal, as the Debian package's portal vhost does it. */
export function nginxConfig(layout: LemonLdapLayout): string {
  const { run, log } = pathsOf(layout.root);
  return `${layout.user ? `user ${layout.user};` : ""}
worker_processes 1;
daemon off;
pid ${run}/nginx.pid;
error_log ${log}/nginx-error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log ${log}/nginx-access.log;
  client_body_temp_path ${run}/nginx-body;
  fastcgi_temp_path ${run}/nginx-fastcgi;
  proxy_temp_path ${run}/nginx-proxy;
  uwsgi_temp_path ${run}/nginx-uwsgi;
  scgi_temp_path ${run}/nginx-scgi;
  upstream llng_portal { server unix:${run}/llng-fastcgi.sock; }
  server {
    listen 127.0.0.1:${layout.port};
    server_name _;
    root /usr/share/lemonldap-ng/portal/htdocs/;
    if ($uri !~ ^/((static|javascript|favicon).*|.*\\.psgi)) {
      rewrite ^/(.*)$ /index.psgi/$1 break;
    }
    location ~ ^(?<sc>/.*\\.psgi)(?:$|/) {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass llng_portal;
      fastcgi_param HTTP_HOST $http_host;
      fastcgi_param LLTYPE psgi;
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_split_path_info ^(.*\\.psgi)(/.*)$;
      fastcgi_param PATH_INFO $fastcgi_path_info;
    }
    index index.psgi;
    location / { try_files $uri $uri/ =404; }
    location /static/ { alias /usr/share/lemonldap-ng/portal/htdocs/static/; }
    location /javascript/ { alias /usr/share/javascript/; }
  }
}
`;
}
