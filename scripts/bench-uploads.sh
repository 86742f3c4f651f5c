#!/usr/bin/env bash
# Peak memory of a server receiving 20 image uploads at once (issue 26):
# builds canopy (or uses $1), serves a fresh demo, logs in as alpha's site
# admin, sends twenty 4000×3000 camera-like JPEGs to the images screen's
# upload at the same time, and prints the server's idle and peak resident
# memory (VmHWM), the answers and the time taken.
#
#   scripts/bench-uploads.sh [CANOPY_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
bin=${1:-$work/canopy}
[ -n "${1:-}" ] || go build -o "$bin" ./cmd/canopy

# The photos: noise over gradients, so that decoding costs what a camera image costs.
mkdir -p "$work/gen" "$work/photos"
cat > "$work/gen/main.go" <<'GO'
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand"
	"os"
)

func main() {
	for i := 0; i < 20; i++ {
		img := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
		rng := rand.New(rand.NewSource(int64(i)))
		for y := 0; y < 3000; y++ {
			for x := 0; x < 4000; x++ {
				img.Y[y*img.YStride+x] = uint8((x/16+y/16)%200 + rng.Intn(12))
			}
		}
		for j := range img.Cb {
			img.Cb[j], img.Cr[j] = uint8(100+rng.Intn(40)), uint8(120+rng.Intn(30))
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			panic(err)
		}
		if err := os.WriteFile(fmt.Sprintf("%s/photo-%02d.jpg", os.Args[1], i), buf.Bytes(), 0o644); err != nil {
			panic(err)
		}
	}
}
GO
(cd "$work/gen" && go mod init gen >/dev/null 2>&1 && go run . "$work/photos")

port=18093
"$bin" serve --demo --data "$work/data" --addr 127.0.0.1:$port > "$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q "canopy serving" "$work/serve.log" 2>/dev/null && break; sleep 0.2; done
host="alpha.localhost:$port"; base=http://127.0.0.1:$port; jar=$work/jar
password=$(awk '/username alpha-admin,/{print $4}' "$work/serve.log")
csrf() { grep -o 'name="csrf" value="[^"]*"' "$1" | head -1 | sed 's/.*value="//;s/"//'; }
curl -s -c "$jar" -b "$jar" -H "Host: $host" "$base/admin/login/" -o "$work/login.html"
curl -s -c "$jar" -b "$jar" -H "Host: $host" -H "Origin: http://$host" --data-urlencode "username=alpha-admin" \
  --data-urlencode "password=$password" --data-urlencode "csrf=$(csrf "$work/login.html")" --data-urlencode "next=/admin/" \
  "$base/admin/login/" -o /dev/null
curl -s -c "$jar" -b "$jar" -H "Host: $host" "$base/admin/images/add/" -o "$work/add.html"
token=$(csrf "$work/add.html")
idle=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
start=$(date +%s.%N)
for f in "$work"/photos/*.jpg; do
  curl -s -b "$jar" -H "Host: $host" -H "Origin: http://$host" -H "X-Requested-With: canopy" -H "X-CSRF-Token: $token" \
    -F "csrf=$token" -F "file=@$f" "$base/admin/images/add/" -o /dev/null -w "%{http_code}\n" >> "$work/codes" &
done
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
end=$(date +%s.%N)
peak=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
echo "idle $((idle / 1024)) MB, peak $((peak / 1024)) MB, answers: $(sort "$work/codes" | uniq -c | tr -s ' ' | tr '\n' ' '), $(echo "$end - $start" | bc) s"
