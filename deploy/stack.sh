#!/bin/bash
# The production stack on this one machine: the app's container behind Debian's nginx with TLS.
#
#   deploy/stack.sh up       build what is missing, then start (what `make stack` runs)
#   deploy/stack.sh down     stop what `up` started (`make stack-down`)
#   deploy/stack.sh status   what is running
#
# up: installs podman, runc, mmdebstrap, nginx, openssl and curl with apt-get when missing; makes a
# Debian base image with mmdebstrap when there is none; builds the image from deploy/Containerfile
# (the layers cached by podman make a rebuild quick); makes a certificate authority and a server
# certificate for 127.0.0.1 (build/stack/ca.pem is the one to trust); keeps a secret key and an
# empty data directory under build/stack/; starts the app's container (read-only root, no
# capabilities) on a free loopback port and nginx on https://127.0.0.1:8443/ (forms and staff
# pages) and https://127.0.0.1:8444/ (the published site, which must be built first: make site).
#
# STACK_APP_PORT and STACK_SITE_PORT move nginx; STACK_DIR moves everything it writes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${STACK_DIR:-$ROOT/build/stack}"
APP_PORT="${STACK_APP_PORT:-8443}"
SITE_PORT="${STACK_SITE_PORT:-8444}"
HOST=127.0.0.1
BASE_IMAGE="${BASE_IMAGE:-localhost/debian-base:bookworm}"
IMAGE="${IMAGE:-localhost/feedback-service:latest}"
CONTAINER=feedback-stack
# The user the image runs as (deploy/Containerfile): it must own the data and read the key.
APP_UID=10001
NGINX=/usr/sbin/nginx

# podman on these machines: runc (crun fails on setrlimit here), no default ulimits or pid
# limit, cgroupfs (no systemd cgroup manager in a container host like this), host networking.
export CONTAINERS_CONF="$STACK_DIR/containers.conf"
podman() { command podman --runtime runc "$@"; }

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v curl >/dev/null || missing+=(curl)
    [ -x "$NGINX" ] || missing+=(nginx)
    [ ${#missing[@]} -eq 0 ] && return 0
    say "Installing ${missing[*]} (apt-get)"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
    # Debian's nginx starts itself on port 80; the stack runs its own, so that one is not needed.
    if [[ " ${missing[*]} " == *" nginx "* ]]; then
        as_root service nginx stop >/dev/null 2>&1 || true
    fi
}

write_containers_conf() {
    mkdir -p "$STACK_DIR"
    cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = []
pids_limit = 0

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
EOF
}

base_image() {
    podman image exists "$BASE_IMAGE" && return 0
    [ "$BASE_IMAGE" = localhost/debian-base:bookworm ] \
        || die "the base image $BASE_IMAGE is missing (pull it, or unset BASE_IMAGE)"
    say "Making the Debian base image with mmdebstrap"
    local tar="$STACK_DIR/debian-base.tar"
    as_root mmdebstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$tar"
    podman import "$tar" "$BASE_IMAGE" >/dev/null
    rm -f "$tar"
}

build_image() {
    [ -f "$ROOT/forms_app/static/app.css" ] || die "the styles are not built: run make assets"
    [ -f "$ROOT/forms_app/translations/cy/LC_MESSAGES/messages.mo" ] \
        || die "the Welsh catalogue is not compiled: run make translations"
    local secret=()
    # A proxy that inspects TLS on the way to the package index signs with its own CA, which is
    # in this machine's bundle: lend the bundle to the pip step (never kept in the image).
    local bundle="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
    [ -f "$bundle" ] && secret=(--secret "id=pip_ca,src=$bundle")
    say "Building $IMAGE"
    podman build --network host "${secret[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
        --ignorefile "$ROOT/deploy/containerignore" -f "$ROOT/deploy/Containerfile" \
        -t "$IMAGE" "$ROOT" >"$STACK_DIR/build.log" 2>&1 \
        || { tail -30 "$STACK_DIR/build.log" >&2; die "the image build failed ($STACK_DIR/build.log)"; }
}

certificates() {
    local tls="$STACK_DIR/tls"
    # A new pair when there is none or the server certificate ends within a day.
    if [ ! -f "$tls/server.pem" ] || ! openssl x509 -checkend 86400 -noout -in "$tls/server.pem" \
        >/dev/null 2>&1; then
        rm -rf "$tls"
        sh "$ROOT/deploy/make-certificates.sh" "$tls" 30 "$HOST"
    fi
    cp "$tls/ca.pem" "$STACK_DIR/ca.pem"
}

secrets_and_data() {
    local key="$STACK_DIR/secret-key"
    if [ ! -s "$key" ]; then
        # No newline after it: a podman secret passes the file's bytes on exactly.
        (umask 077 && openssl rand -hex 32 | tr -d '\n' >"$key")
    fi
    mkdir -p "$STACK_DIR/data"
    chown "$APP_UID:$APP_UID" "$STACK_DIR/data"
    chmod 0700 "$STACK_DIR/data"
    # The example organisation, with the links between the forms and the site pointing at the
    # stack's own addresses.
    sed -e "s|^form_url:.*|form_url: https://$HOST:$APP_PORT|" \
        -e "s|^site_url:.*|site_url: https://$HOST:$SITE_PORT|" \
        "$ROOT/config/settings.example.yaml" >"$STACK_DIR/settings.yaml"
    chmod 0644 "$STACK_DIR/settings.yaml"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_app() {
    local port
    port="$(free_port)"
    podman rm -f "$CONTAINER" >/dev/null 2>&1 || true
    # The key as a podman secret handed over as an environment variable: not on a command line
    # (where `ps` shows it), and there for `podman exec ... feedback` commands too.
    podman secret rm "$CONTAINER-key" >/dev/null 2>&1 || true
    podman secret create "$CONTAINER-key" "$STACK_DIR/secret-key" >/dev/null
    podman run -d --name "$CONTAINER" --network host \
        -e "FORMS_APP_BIND=$HOST:$port" \
        -e FORMS_APP_SETTINGS=/etc/feedback/settings.yaml \
        --secret "$CONTAINER-key,type=env,target=FORMS_APP_SECRET_KEY" \
        -v "$STACK_DIR/settings.yaml:/etc/feedback/settings.yaml:ro" \
        -v "$STACK_DIR/data:/var/lib/feedback" \
        --read-only \
        --cap-drop all --security-opt no-new-privileges \
        --stop-timeout 25 "$IMAGE" >/dev/null
    printf '%s\n' "$port" >"$STACK_DIR/app.port"
    local waited=0
    until curl -fsS -o /dev/null "http://$HOST:$port/" 2>/dev/null; do
        if [ "$(podman inspect -f '{{.State.Running}}' "$CONTAINER" 2>/dev/null)" != true ]; then
            podman logs "$CONTAINER" 2>&1 | tail -30 >&2
            die "the app's container stopped"
        fi
        waited=$((waited + 1))
        [ "$waited" -lt 120 ] || die "the app did not answer on $HOST:$port in 60 s"
        sleep 0.5
    done
}

fill() {
    # A deploy/nginx template with each @NAME@ replaced by the value given as NAME=value.
    local template="$1" out="$2"
    shift 2
    local script=() pair
    for pair in "$@"; do
        script+=(-e "s|@${pair%%=*}@|${pair#*=}|g")
    done
    sed "${script[@]}" "$template" >"$out"
    if grep -q '@[A-Z_]*@' "$out"; then
        die "$out: placeholders left without a value: $(grep -o '@[A-Z_]*@' "$out" | sort -u | tr '\n' ' ')"
    fi
}

start_nginx() {
    [ -f "$ROOT/build/site/index.html" ] || die "the published site is not built: run make site"
    local logs="$STACK_DIR/logs"
    mkdir -p "$logs"
    fill "$ROOT/deploy/nginx/feedback.conf.template" "$STACK_DIR/feedback.conf" \
        "APP_LISTEN=$HOST:$APP_PORT" "SITE_LISTEN=$HOST:$SITE_PORT" "SERVER_NAME=$HOST" \
        "CERTIFICATE=$STACK_DIR/tls/server.pem" "CERTIFICATE_KEY=$STACK_DIR/tls/server.key" \
        "UPSTREAM=$HOST:$(cat "$STACK_DIR/app.port")" "SITE_ROOT=$ROOT/build/site" \
        "LOG_DIR=$logs"
    # As root, nginx's workers would otherwise run as nobody, who may not read the build folder.
    local user=""
    [ "$(id -u)" -eq 0 ] && user="user root;"
    fill "$ROOT/deploy/nginx/standalone.conf.template" "$STACK_DIR/nginx.conf" \
        "USER=$user" "RUN_DIR=$STACK_DIR" "INCLUDE=$STACK_DIR/feedback.conf"
    "$NGINX" -t -q -c "$STACK_DIR/nginx.conf" -p "$STACK_DIR/" -e "$STACK_DIR/error.log" \
        || die "nginx refused its configuration ($STACK_DIR/nginx.conf)"
    setsid "$NGINX" -c "$STACK_DIR/nginx.conf" -p "$STACK_DIR/" -e "$STACK_DIR/error.log" \
        </dev/null >>"$STACK_DIR/nginx.out" 2>&1 &
    local waited=0
    until curl -fsS -o /dev/null --cacert "$STACK_DIR/ca.pem" "https://$HOST:$APP_PORT/" 2>/dev/null; do
        waited=$((waited + 1))
        [ "$waited" -lt 60 ] || { tail -5 "$STACK_DIR/error.log" >&2; die "nginx did not answer"; }
        sleep 0.5
    done
}

nginx_pid() {
    local pid
    pid="$(cat "$STACK_DIR/nginx.pid" 2>/dev/null)" || return 1
    kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

up() {
    [ "$(id -u)" -eq 0 ] || die "the stack is started as root (sudo make stack): it runs podman and nginx"
    install_packages
    write_containers_conf
    base_image
    build_image
    certificates
    secrets_and_data
    stop_nginx
    start_app
    start_nginx
    cat <<EOF

The stack is up (production mode, data in $STACK_DIR/data):
  forms and staff pages  https://$HOST:$APP_PORT/
  published site         https://$HOST:$SITE_PORT/
  certificate authority  $STACK_DIR/ca.pem   (curl --cacert $STACK_DIR/ca.pem ...)
  logs                   $STACK_DIR/logs/ (nginx), podman logs $CONTAINER (the app)
A first staff account (prints its second-factor secret once; the password is read from stdin):
  podman exec -i $CONTAINER feedback users add ada --name 'Ada Admin' --role admin --password-stdin
(run podman as CONTAINERS_CONF=$CONTAINERS_CONF podman --runtime runc ...)
make stack-down stops it.
EOF
}

stop_nginx() {
    local pid
    if pid="$(nginx_pid)"; then
        # SIGQUIT: nginx's graceful stop.
        kill -QUIT "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$STACK_DIR/nginx.pid"
}

down() {
    [ -f "$CONTAINERS_CONF" ] || { say "Nothing to stop."; return 0; }
    stop_nginx
    if command -v podman >/dev/null && podman container exists "$CONTAINER"; then
        podman stop -t 25 "$CONTAINER" >/dev/null
        podman rm "$CONTAINER" >/dev/null
    fi
    command -v podman >/dev/null && podman secret rm "$CONTAINER-key" >/dev/null 2>&1 || true
    rm -f "$STACK_DIR/app.port"
    say "The stack is stopped (data kept in $STACK_DIR/data)."
}

status() {
    local state=0 pid
    if [ -f "$CONTAINERS_CONF" ] && podman container exists "$CONTAINER" 2>/dev/null; then
        say "app:   $(podman inspect -f '{{.State.Status}}' "$CONTAINER") on $HOST:$(cat "$STACK_DIR/app.port" 2>/dev/null)"
    else
        say "app:   not running"; state=3
    fi
    if pid="$(nginx_pid)"; then
        say "nginx: running (pid $pid) on https://$HOST:$APP_PORT/ and https://$HOST:$SITE_PORT/"
    else
        say "nginx: not running"; state=3
    fi
    return "$state"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    *) die "usage: $0 up|down|status" ;;
esac
