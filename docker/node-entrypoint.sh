#!/bin/sh
# Demo node entry point: a host key of its own, made once and kept in the node's volume; only
# its public half goes to the shared /exchange volume, where the gateway pins it. The gateway's
# CA line arrives in /exchange/gatehouse_user_ca.pub from the ca-export service; sshd reads it
# at every login, so the node can start first.
set -eu
key=/var/lib/node-hostkey/ssh_host_ed25519_key
if [ ! -f "$key" ]; then
  ssh-keygen -q -t ed25519 -N '' -C gpu-node-1 -f "$key"
fi
install -m 0600 "$key" /etc/ssh/ssh_host_ed25519_key
install -m 0644 "$key.pub" /etc/ssh/ssh_host_ed25519_key.pub
install -m 0644 "$key.pub" /exchange/ssh_host_ed25519_key.pub
sshd -t
exec /usr/sbin/sshd -D -e
