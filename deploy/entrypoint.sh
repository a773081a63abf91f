#!/bin/sh
# Start a feedback service command with its secret key read from a file, so the key is never
# written into a unit file, an image or a command line (where `ps` would show it).
#
# The key is looked for in this order: FORMS_APP_SECRET_KEY already set; the file named by
# FORMS_APP_SECRET_KEY_FILE (a podman or Kubernetes secret, say); `secret-key` among systemd's
# credentials (LoadCredential=). With none of them the app keeps a key of its own in the data
# directory (mode 0600).
set -eu

if [ -z "${FORMS_APP_SECRET_KEY:-}" ]; then
    key_file="${FORMS_APP_SECRET_KEY_FILE:-}"
    if [ -z "$key_file" ] && [ -n "${CREDENTIALS_DIRECTORY:-}" ] \
        && [ -f "$CREDENTIALS_DIRECTORY/secret-key" ]; then
        key_file="$CREDENTIALS_DIRECTORY/secret-key"
    fi
    if [ -n "$key_file" ]; then
        if [ ! -r "$key_file" ]; then
            echo "error: the secret key file $key_file is missing or unreadable" >&2
            exit 1
        fi
        FORMS_APP_SECRET_KEY="$(cat "$key_file")"
        export FORMS_APP_SECRET_KEY
    fi
fi
unset FORMS_APP_SECRET_KEY_FILE
exec "$@"
