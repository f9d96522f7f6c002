FROM rust:1.77-slim-bookworm AS chef
RUN cargo install cargo-chef --locked
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
# Dependencies first, so they stay cached while the sources change
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN cargo build --release --bin tidewatch

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /app/target/release/tidewatch /usr/local/bin/
ENV RUST_LOG=info
ENTRYPOINT ["tidewatch"]
