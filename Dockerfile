# syntax=docker/dockerfile:1
# Finmart: one static-asset-embedding binary (templates and static files are compiled in).
#
#   docker build -t finmart .
#   docker run -p 8080:8080 -v finmart-data:/data finmart
#
# Or the whole stack (PostgreSQL, Redis): docker compose up --build

# ---- build ----
FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
# The cache mounts keep the crates.io registry and the target directory between builds (BuildKit).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release -p finmart --locked \
    && install -m 0755 target/release/finmart /usr/local/bin/finmart

# ---- runtime ----
FROM debian:bookworm-slim
# ca-certificates for outgoing TLS; curl for the health check.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 finmart \
    && useradd --system --uid 10001 --gid finmart --home-dir /data --no-create-home --shell /usr/sbin/nologin finmart \
    && mkdir -p /data \
    && chown finmart:finmart /data
COPY --from=builder /usr/local/bin/finmart /usr/local/bin/finmart

ENV FINMART_LISTEN=0.0.0.0:8080 \
    FINMART_DATA_DIR=/data
VOLUME /data
WORKDIR /data
USER finmart
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://localhost:8080/readyz || exit 1
CMD ["finmart", "serve"]
