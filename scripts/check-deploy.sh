#!/usr/bin/env bash
# Checks the deployment files with the real tools, outside a container (there is no
# container engine here):
#   1. docker-compose.yml against the Compose Specification schema (check-jsonschema);
#   2. what compose gives the app: only known variables, every secret required
#      (`${VAR:?...}`), only nginx publishing ports; then the app's environment from
#      compose (secrets filled in, a database password with @ / : in it) plus the
#      runtime image's ENV is handed to `tracetrack check-config`;
#   3. deploy/nginx.conf with `nginx -t`, then nginx itself in front of a running
#      server (tests/support/with-server.sh): port 80 redirects to HTTPS, HTTPS with a
#      certificate from scripts/make-certs.sh verifies against its authority over
#      HTTP/2, and requests reach the app.
# Only the container host names, ports and file paths are changed for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${TRACETRACK_BIN:-target/debug/tracetrack}
venv="$HOME/.cache/tracetrack/st-venv"
nginx=$(command -v nginx || echo /usr/sbin/nginx)

if [ "${1:-}" != "--nginx-run" ]; then
  echo "compose: schema"
  "$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml

  echo "compose: variables, secrets, published ports, and the config the app gets"
  known=$("$bin" env-example | sed -n 's/^#\([A-Z0-9_]*\)=.*/\1/p')
  app_env=$(KNOWN="$known" "$venv/bin/python" - <<'EOF'
import os, re, sys
from ruamel.yaml import YAML

compose = YAML(typ="safe").load(open("docker-compose.yml"))
known = set(os.environ["KNOWN"].split()) | {"PGPASSWORD"}
secrets = {"POSTGRES_PASSWORD": "p@ss/w:rd#1?", "JWT_SECRET": "j" * 48, "ADMIN_PASSWORD": "first-admin-password-1"}
problems = []

def fill(value):
    def one(m):
        name, op, rest = m.group(1), m.group(2) or "", m.group(3) or ""
        if name in secrets:
            if op != ":?":
                problems.append(f"{name} must be required with ${{{name}:?message}}")
            return secrets[name]
        if op == ":-":
            return rest
        problems.append(f"${{{name}}} has no default")
        return ""
    return re.sub(r"\$\{([A-Z0-9_]+)(:[?-])?([^}]*)\}", one, str(value))

services = compose["services"]
for name, svc in services.items():
    if name != "nginx" and svc.get("ports"):
        problems.append(f"{name} publishes ports; only nginx may")
app = services["app"]
if not any(e.get("path") == ".env" for e in app.get("env_file", []) if isinstance(e, dict)):
    problems.append("app must read .env through env_file")
env = {k: fill(v) for k, v in app["environment"].items()}
for key in env:
    if key not in known:
        problems.append(f"app environment {key} is not a TraceTrack setting")
dockerfile = open("Dockerfile").read().splitlines()
runtime = max(i for i, line in enumerate(dockerfile) if line.startswith("FROM "))
for line in dockerfile[runtime:]:
    if line.startswith("ENV "):
        for pair in line[4:].split():
            k, _, v = pair.partition("=")
            if k not in known:
                problems.append(f"Dockerfile ENV {k} is not a TraceTrack setting")
            env.setdefault(k, v)
if problems:
    sys.exit("docker-compose.yml: " + "; ".join(problems))
for k, v in env.items():
    print(f"{k}={v}")
EOF
)
  mapfile -t pairs <<<"$app_env"
  env -i PATH="$PATH" "${pairs[@]}" "$bin" check-config
  if env -i PATH="$PATH" "${pairs[@]}" JWT_SECRET=short "$bin" check-config 2>/dev/null; then
    echo "check-config accepted a short JWT_SECRET in production" >&2; exit 1
  fi

  echo "nginx: -t and a run in front of the server"
  export PORT=${CHECK_DEPLOY_APP_PORT:-18381}
  exec tests/support/with-server.sh check-deploy "$0" --nginx-run
fi

# --nginx-run: the server answers on $BASE_URL.
tmp=$(mktemp -d)
cleanup() {
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
scripts/make-certs.sh -o "$tmp/certs" tt.test >/dev/null
http_port=${CHECK_DEPLOY_HTTP_PORT:-18382}
https_port=${CHECK_DEPLOY_HTTPS_PORT:-18383}
sed -e "s|server app:8080;|server 127.0.0.1:$PORT;|" \
    -e "s|/etc/nginx/certs/|$tmp/certs/|g" \
    -e "s|/var/log/nginx/|$tmp/|g" \
    -e "s|listen 80;|listen 127.0.0.1:$http_port;|" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$https_port ssl http2;|" \
    deploy/nginx.conf > "$tmp/default.conf"
mime=/etc/nginx/mime.types
cat > "$tmp/nginx.conf" <<EOF
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events {}
http {
  include $mime;
  access_log $tmp/access.log;
  client_body_temp_path $tmp/body;
  proxy_temp_path $tmp/proxy;
  include $tmp/default.conf;
}
EOF
"$nginx" -t -q -p "$tmp" -c "$tmp/nginx.conf"
"$nginx" -p "$tmp" -c "$tmp/nginx.conf"
for _ in $(seq 1 50); do [ -s "$tmp/nginx.pid" ] && break; sleep 0.1; done

fail() { echo "check-deploy: $*" >&2; cat "$tmp/error.log" >&2 || true; exit 1; }
got=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Host: tt.test' "http://127.0.0.1:$http_port/station?x=1")
[ "$got" = "308 https://tt.test/station?x=1" ] || fail "port 80 answered '$got', not a redirect to HTTPS"
got=$(curl -s --cacert "$tmp/certs/ca.crt" --resolve "tt.test:$https_port:127.0.0.1" --http2 \
  -o /dev/null -w '%{http_code} %{http_version}' "https://tt.test:$https_port/health")
[ "$got" = "200 2" ] || fail "HTTPS /health answered '$got', not 200 over HTTP/2"
got=$(curl -s --cacert "$tmp/certs/ca.crt" --resolve "tt.test:$https_port:127.0.0.1" \
  -o /dev/null -w '%{http_code}' "https://tt.test:$https_port/api/v1/bags")
[ "$got" = "401" ] || fail "the API through nginx answered '$got', not 401 unauthenticated"
got=$(curl -s --cacert "$tmp/certs/ca.crt" --resolve "tt.test:$https_port:127.0.0.1" \
  -o /dev/null -w '%{http_code}' "https://tt.test:$https_port/metrics")
[ "$got" = "404" ] || fail "/metrics is reachable through nginx ($got)"
echo "check-deploy: compose, the app's config and nginx all pass"
