# A demo compute node: Debian's OpenSSH sshd with the Gatehouse node snippet, one non-root
# login (aiops), trusting the gateway's user CA. Build from the repository root:
#   docker build -f docker/node.Dockerfile -t gatehouse-node .
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server rsync \
 && rm -rf /var/lib/apt/lists/* \
 && rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub \
 && useradd -m -s /bin/bash aiops && usermod -p '*' aiops \
 && mkdir -p /etc/ssh/gatehouse_principals /run/sshd /var/lib/node-hostkey \
 && echo aiops > /etc/ssh/gatehouse_principals/aiops \
 && ln -s /exchange/gatehouse_user_ca.pub /etc/ssh/gatehouse_user_ca.pub
COPY config/node/sshd_config /etc/ssh/sshd_config.d/gatehouse.conf
COPY docker/node-entrypoint.sh /usr/local/bin/node-entrypoint
RUN chmod 0755 /usr/local/bin/node-entrypoint
EXPOSE 22
ENTRYPOINT ["/usr/local/bin/node-entrypoint"]
