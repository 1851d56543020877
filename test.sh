#!/usr/bin/env bash
# Installs what qcc's tests need (Debian packages) when missing, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# dataset-fashion-mnist: full-test-set accuracy; libonnx-testdata: ONNX conformance cases;
# verilator: co-simulation of the generated hardware; yosys: its synthesis reports;
# nextpnr-ice40 and fpga-icestorm: the iCEBreaker bitstream (place and route, icepack);
# chromium: renders `qcc report`'s page headless to check its plots.
PACKAGES=(dataset-fashion-mnist libonnx-testdata verilator yosys nextpnr-ice40 fpga-icestorm chromium)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

exec mvn -B verify "$@"
