#!/bin/sh
# Makes the TLS stack's certificates once, into the `certs` volume: a CA, one server certificate for every
# PD and TiKV name (PD and TiKV also present it to each other as clients), and a client certificate for
# Prometheus and Operator. Kept when present, so restarts reuse them.
set -eu
cd /certs
[ -f client.pem ] && exit 0
command -v openssl >/dev/null || apk add --no-cache openssl >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
    -keyout ca-key.pem -out ca.pem -subj /CN=tikv-local-ca
printf 'subjectAltName=DNS:pd0,DNS:pd1,DNS:pd2,DNS:tikv0,DNS:tikv1,DNS:tikv2,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' > server.ext
printf 'extendedKeyUsage=clientAuth\n' > client.ext
for name in server client; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$name-key.pem"
    openssl req -new -key "$name-key.pem" -out "$name.csr" -subj "/CN=$name"
    openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 365 \
        -extfile "$name.ext" -out "$name.pem"
done
# TiKV and PD run as root in their images; Prometheus runs as nobody and must read the client key.
chmod 0644 ./*.pem
