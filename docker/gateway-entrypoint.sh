#!/bin/sh
# Gateway container entry point. When the compose demo provides a policy template and the demo
# node's host key, it renders the policy (pinning that key: no trust on first use) before
# starting; otherwise it runs the gatehouse command as given.
set -eu

if [ -f /etc/gatehouse/policy.yaml.in ]; then
  key_file=/exchange/ssh_host_ed25519_key.pub
  i=0
  while [ ! -s "$key_file" ]; do
    i=$((i + 1))
    if [ "$i" -gt 60 ]; then
      echo "gatehouse-entrypoint: $key_file did not appear within 60 s (is the node running?)" >&2
      exit 1
    fi
    sleep 1
  done
  node_host_key=$(cut -d' ' -f1,2 "$key_file")
  if [ -z "${GATEHOUSE_DEMO_USER_KEY:-}" ]; then
    echo "gatehouse-entrypoint: set GATEHOUSE_DEMO_USER_KEY to your SSH public key line" >&2
    exit 1
  fi
  user_key=$(printf '%s' "$GATEHOUSE_DEMO_USER_KEY" | cut -d' ' -f1,2)
  sed -e "s|@NODE_HOST_KEY@|$node_host_key|" -e "s|@DEMO_USER_KEY@|$user_key|" \
    /etc/gatehouse/policy.yaml.in > /var/lib/gatehouse/policy.yaml
fi

exec java @/opt/gatehouse/jvm.options ${JAVA_OPTS:-} -jar /opt/gatehouse/gatehouse.jar "$@"
