#!/usr/bin/env bash
# Regenerates the TEST public-key infrastructure of the credit handbook with the openssl command-line
# tool. Everything it writes is test material: the private keys are committed on purpose so tests and
# the demo can sign. Never use any of it for a real card.
#
# For each algorithm (p256: ECDSA P-256 with SHA-256; sm2: SM2 with SM3, GM/T 0009 signer ID
# 1234567812345678):
#   root-ca           the regional root CA (self-signed)
#   office-310000     Shanghai licensing office signing certificate
#   office-320000     Jiangsu licensing office signing certificate
#   office-330000     Zhejiang licensing office signing certificate
#   office-expired    a Shanghai signing certificate that expired on 2024-12-31
#   office-revoked    a Jiangsu signing certificate revoked for key compromise
#   office-nopurpose  a Shanghai signing certificate without the document-signing purpose
#   package-signer    the regional key that signs data packages of all three provinces
#   package-signer-310000  a key that signs Shanghai's data packages only
#   feed-signer-3x0000  each province's key that signs its change feed
#   report-signer     the regional key that signs public credit reports
#   crl.pem           the root's CRL, listing office-revoked
# Every signing certificate carries its purpose as an extended key usage of the project's arc
# 2.25.23097248765947738005562829670919349818 (openssl.cnf).
# and, outside both hierarchies:
#   foreign/          a root, an office and a package-signer certificate no verifier trusts
#   tls/              a CA and a server certificate (localhost, 127.0.0.1) for TLS tests
#   issuer-master-key.hex   the card-management master key (AES-128, hex)
set -euo pipefail
cd "$(dirname "$0")"
config=$PWD/openssl.cnf
distid=distid:1234567812345678
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

subject() {  # region code, province, organisation, common name
  printf '/C=CN/ST=%s/O=%s/OU=信用手册发证 TEST/CN=%s/serialNumber=%s' "$2" "$3" "$4" "$1"
}

generate_key() {  # algorithm, output
  if [ "$1" = sm2 ]; then
    openssl genpkey -algorithm SM2 -out "$2"
  else
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$2"
  fi
}

build_hierarchy() {  # algorithm, output folder, label
  local alg=$1 out=$2 label=$3
  local md=sha256 sign=() verify=()
  if [ "$alg" = sm2 ]; then
    md=sm3
    sign=(-sigopt "$distid")
    verify=(-vfyopt "$distid")
  fi
  mkdir -p "$out"
  export CA_DIR="$work/$out" CA_MD=$md
  rm -rf "$CA_DIR" && mkdir -p "$CA_DIR/new"
  : >"$CA_DIR/index.txt"
  echo 1000 >"$CA_DIR/serial"
  echo 01 >"$CA_DIR/crlnumber"

  generate_key "$alg" "$out/root-ca.key.pem"
  openssl req -new -config "$config" -key "$out/root-ca.key.pem" "${sign[@]}" -$md \
    -subj "/C=CN/O=长三角区域建筑市场信用信息平台/OU=TEST ONLY/CN=$label Credit Handbook Root CA (TEST)" \
    -out "$CA_DIR/root.csr"
  openssl ca -batch -config "$config" -selfsign -keyfile "$out/root-ca.key.pem" -in "$CA_DIR/root.csr" \
    "${sign[@]}" "${verify[@]}" -startdate 20240101000000Z -enddate 20441231235959Z -extensions v3_root \
    -notext -out "$out/root-ca.pem" 2>/dev/null

  issue() {  # name, region, province, organisation, common name, start, end, extensions
    generate_key "$alg" "$out/$1.key.pem"
    openssl req -new -config "$config" -key "$out/$1.key.pem" "${sign[@]}" -$md \
      -subj "$(subject "$2" "$3" "$4" "$5")" -out "$CA_DIR/$1.csr"
    openssl ca -batch -config "$config" -cert "$out/root-ca.pem" -keyfile "$out/root-ca.key.pem" \
      -in "$CA_DIR/$1.csr" "${sign[@]}" "${verify[@]}" -startdate "$6" -enddate "$7" -extensions "$8" \
      -notext -out "$out/$1.pem" 2>/dev/null
  }
  issue office-310000 310000 上海市 上海市住房和城乡建设管理委员会 "Shanghai Licensing Office $label (TEST)" 20250101000000Z 20351231235959Z v3_office
  issue office-320000 320000 江苏省 江苏省住房和城乡建设厅 "Jiangsu Licensing Office $label (TEST)" 20250101000000Z 20351231235959Z v3_office
  issue office-330000 330000 浙江省 浙江省住房和城乡建设厅 "Zhejiang Licensing Office $label (TEST)" 20250101000000Z 20351231235959Z v3_office
  issue office-expired 310000 上海市 上海市住房和城乡建设管理委员会 "Shanghai Licensing Office $label expired (TEST)" 20230101000000Z 20241231235959Z v3_office
  issue office-revoked 320000 江苏省 江苏省住房和城乡建设厅 "Jiangsu Licensing Office $label revoked (TEST)" 20250101000000Z 20351231235959Z v3_office
  issue office-nopurpose 310000 上海市 上海市住房和城乡建设管理委员会 "Shanghai Licensing Office $label no purpose (TEST)" 20250101000000Z 20351231235959Z v3_nopurpose
  issue package-signer 310000,320000,330000 上海市 长三角区域建筑市场信用信息平台 "Regional Data Package Signer $label (TEST)" 20250101000000Z 20351231235959Z v3_package
  issue feed-signer-310000 310000 上海市 上海市住房和城乡建设管理委员会 "Shanghai Feed Signer $label (TEST)" 20250101000000Z 20351231235959Z v3_feed
  issue feed-signer-320000 320000 江苏省 江苏省住房和城乡建设厅 "Jiangsu Feed Signer $label (TEST)" 20250101000000Z 20351231235959Z v3_feed
  issue feed-signer-330000 330000 浙江省 浙江省住房和城乡建设厅 "Zhejiang Feed Signer $label (TEST)" 20250101000000Z 20351231235959Z v3_feed
  issue report-signer 310000,320000,330000 上海市 长三角区域建筑市场信用信息平台 "Regional Credit Report Signer $label (TEST)" 20250101000000Z 20351231235959Z v3_report
  issue package-signer-310000 310000 上海市 上海市住房和城乡建设管理委员会 "Shanghai Data Package Signer $label (TEST)" 20250101000000Z 20351231235959Z v3_package

  openssl ca -batch -config "$config" -cert "$out/root-ca.pem" -keyfile "$out/root-ca.key.pem" \
    -revoke "$out/office-revoked.pem" -crl_reason keyCompromise 2>/dev/null
  # Dated, not stamped with the day of generation: tests check documents as of fixed days.
  openssl ca -batch -config "$config" -cert "$out/root-ca.pem" -keyfile "$out/root-ca.key.pem" "${sign[@]}" \
    -gencrl -crl_lastupdate 20250101000000Z -crl_nextupdate 20351231235959Z -crlexts crl_ext \
    -out "$out/crl.pem" 2>/dev/null
  if [ "$alg" = p256 ]; then
    # A CRL past its nextUpdate (revocation unknown), and a forged one: the root's name and a newer
    # date, but signed by another key, and leaving office-revoked out.
    openssl ca -batch -config "$config" -cert "$out/root-ca.pem" -keyfile "$out/root-ca.key.pem" \
      -gencrl -crl_lastupdate 20250101000000Z -crl_nextupdate 20250601000000Z -crlexts crl_ext \
      -out "$out/crl-stale.pem" 2>/dev/null
    local forger="$work/forger"
    mkdir -p "$forger/new" && : >"$forger/index.txt" && echo 01 >"$forger/crlnumber" && echo 1000 >"$forger/serial"
    generate_key p256 "$forger/key.pem"
    openssl req -new -x509 -config "$config" -extensions v3_root -key "$forger/key.pem" -days 3650 \
      -subj "/C=CN/O=长三角区域建筑市场信用信息平台/OU=TEST ONLY/CN=$label Credit Handbook Root CA (TEST)" \
      -out "$forger/root.pem"
    CA_DIR="$forger" openssl ca -batch -config "$config" -cert "$forger/root.pem" -keyfile "$forger/key.pem" \
      -gencrl -crl_lastupdate 20260101000000Z -crl_nextupdate 20351231235959Z -crlexts crl_ext \
      -out "$out/crl-forged.pem"
  fi
}

build_hierarchy p256 p256 "P-256"
build_hierarchy sm2 sm2 "SM2"

# A hierarchy nobody trusts, for "foreign signer" and "unknown root" tests.
mkdir -p foreign
export CA_DIR="$work/foreign" CA_MD=sha256
mkdir -p "$CA_DIR/new" && : >"$CA_DIR/index.txt" && echo 1000 >"$CA_DIR/serial"
generate_key p256 foreign/root-ca.key.pem
openssl req -new -config "$config" -key foreign/root-ca.key.pem -subj "/C=CN/O=Nobody/CN=Foreign Root CA (TEST)" -out "$CA_DIR/root.csr"
openssl ca -batch -config "$config" -selfsign -keyfile foreign/root-ca.key.pem -in "$CA_DIR/root.csr" \
  -startdate 20240101000000Z -enddate 20441231235959Z -extensions v3_root -notext -out foreign/root-ca.pem 2>/dev/null
generate_key p256 foreign/office-310000.key.pem
openssl req -new -config "$config" -key foreign/office-310000.key.pem \
  -subj "$(subject 310000 上海市 "Nobody" "Shanghai Licensing Office impostor (TEST)")" -out "$CA_DIR/office.csr"
openssl ca -batch -config "$config" -cert foreign/root-ca.pem -keyfile foreign/root-ca.key.pem -in "$CA_DIR/office.csr" \
  -startdate 20250101000000Z -enddate 20351231235959Z -extensions v3_office -notext -out foreign/office-310000.pem 2>/dev/null
generate_key p256 foreign/package-signer.key.pem
openssl req -new -config "$config" -key foreign/package-signer.key.pem \
  -subj "$(subject 310000,320000,330000 上海市 "Nobody" "Regional Data Package Signer impostor (TEST)")" -out "$CA_DIR/package.csr"
openssl ca -batch -config "$config" -cert foreign/root-ca.pem -keyfile foreign/root-ca.key.pem -in "$CA_DIR/package.csr" \
  -startdate 20250101000000Z -enddate 20351231235959Z -extensions v3_package -notext -out foreign/package-signer.pem 2>/dev/null

# TLS for tests: a CA and a certificate for the service on loopback (P-256).
mkdir -p tls
export CA_DIR="$work/tls" CA_MD=sha256
mkdir -p "$CA_DIR/new" && : >"$CA_DIR/index.txt" && echo 1000 >"$CA_DIR/serial"
generate_key p256 tls/ca.key.pem
openssl req -new -config "$config" -key tls/ca.key.pem -subj "/C=CN/O=长三角区域建筑市场信用信息平台/OU=TEST ONLY/CN=Service TLS CA (TEST)" -out "$CA_DIR/ca.csr"
openssl ca -batch -config "$config" -selfsign -keyfile tls/ca.key.pem -in "$CA_DIR/ca.csr" \
  -startdate 20240101000000Z -enddate 20441231235959Z -extensions v3_tls_ca -notext -out tls/ca.pem 2>/dev/null
generate_key p256 tls/server.key.pem
openssl req -new -config "$config" -key tls/server.key.pem -subj "/C=CN/O=TEST/CN=localhost" -out "$CA_DIR/server.csr"
openssl ca -batch -config "$config" -cert tls/ca.pem -keyfile tls/ca.key.pem -in "$CA_DIR/server.csr" \
  -startdate 20250101000000Z -enddate 20351231235959Z -extensions v3_tls_server -notext -out tls/server.pem 2>/dev/null

[ -f issuer-master-key.hex ] || openssl rand -hex 16 >issuer-master-key.hex
echo "TEST PKI written to $(pwd)"
