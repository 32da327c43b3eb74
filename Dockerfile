# syntax=docker/dockerfile:1
# Multi-stage build: the web app (wasm) and the server in a Rust image,
# then a small non-root runtime image with only the binary, the web app and libpq.

FROM rust:1.95-bookworm AS build
RUN apt-get update -q && apt-get install -y -q --no-install-recommends libpq-dev pkg-config nodejs npm \
    && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown
WORKDIR /src
COPY tools/package.json tools/package-lock.json tools/
RUN cd tools && npm ci --no-audit --no-fund
COPY . .
# The commit for `tracetrack --version` and the build-info metric (no .git here).
ARG TRACETRACK_COMMIT=unknown
ENV TRACETRACK_COMMIT=${TRACETRACK_COMMIT}
RUN scripts/build-frontend.sh \
    && cargo build --release --bin tracetrack

FROM debian:bookworm-slim AS runtime
RUN apt-get update -q && apt-get install -y -q --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /app tracetrack
WORKDIR /app
COPY --from=build /src/target/release/tracetrack /usr/local/bin/tracetrack
COPY --from=build /src/frontend/dist /app/web
ENV STATIC_DIR=/app/web BIND=0.0.0.0 PORT=8080 LOG_FORMAT=json
USER tracetrack
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --retries=3 CMD ["tracetrack", "healthcheck"]
ENTRYPOINT ["tracetrack"]
CMD ["serve"]
