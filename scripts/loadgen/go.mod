module bpdao/scripts/loadgen

go 1.22
