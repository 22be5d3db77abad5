#!/bin/sh
# sorttar00: GNU sort with two threads and a 50 MB buffer (so it also merges temporary files) over the ~110 MB that
# sortgen00.py writes into a pipe at a bounded pace, then tar | gzip (tar czf) of the folder TREE, both writing into
# FOLDER; each step prints a line when it begins and ends, and at the end the outputs' SHA-256 sums, which must equal
# those of an uninterrupted run ("sorttar done sort=... tar=...").
# Usage: sorttar00.sh BIN TREE FOLDER   (BIN: the folder of sortgen00.py)
set -eu
bin=$1
tree=$2
folder=$3
mkdir -p "$folder/tmp"
echo "sort begins"
/usr/bin/python3 "$bin/sortgen00.py" | LC_ALL=C /usr/bin/sort --parallel=2 -S 50M -T "$folder/tmp" -o "$folder/sorted.txt"
echo "sort ends"
echo "tar begins"
/usr/bin/tar czf "$folder/out.tgz" -C "$tree" .
echo "tar ends"
echo "sorttar done sort=$(sha256sum < "$folder/sorted.txt" | cut -c1-64) tar=$(sha256sum < "$folder/out.tgz" | cut -c1-64)"
