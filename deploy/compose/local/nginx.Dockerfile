# nginx from Debian 12 (nginx-light: http_v2 and grpc_pass), for compose.local.yaml.
FROM docker.io/library/debian:bookworm-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nginx-light \
    && rm -rf /var/lib/apt/lists/*
CMD ["nginx", "-c", "/etc/nginx/warden.conf", "-g", "daemon off;"]
