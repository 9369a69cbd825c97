#!/bin/bash
# Guest script that recorded __fixtures__/hash-decisions.txt: put it and test/conformance/nat-topology.sh
# in a share dir and run ../shared/ipvs-vm/build-and-run.sh script <this file> (IPVSVM_SHARE=<dir>;
# the log lands in <dir>/exp2.log). The NAT lab is the one of the fixtures 200-236.
OUT=/mnt/host
exec >$OUT/exp2.log 2>&1
. $OUT/nat-topology.sh
one() { ip netns exec client timeout 5 wget -q -O - "http://10.10.0.1/" >/dev/null 2>&1 || echo FAIL; }
# switch the service to `-s $2 -b $3`, run the optional command $4, make 40 new connections and
# print "$1 client real-server" for each client that was not in the table before
switch_and_hit() {
  ipvsadm -Lnc | awk '$3=="TIME_WAIT"{print $4}' | sort > /tmp/before
  ipvsadm -E -t 10.10.0.1:80 -s "$2" -b "$3"
  [ -n "$4" ] && $4
  for i in $(seq 40); do one; done
  ipvsadm -Lnc | awk '$3=="TIME_WAIT"{print $4, $6}' | sort -u > /tmp/all
  while read a d; do grep -q -x -F "$a" /tmp/before || echo "$1 $a $d"; done < /tmp/all
}
ipvsadm -A -t 10.10.0.1:80 -s sh -b sh-port
ipvsadm -a -t 10.10.0.1:80 -r 10.20.1.2:80 -m -w 1
ipvsadm -a -t 10.10.0.1:80 -r 10.20.2.2:80 -m -w 2
ipvsadm -a -t 10.10.0.1:80 -r 10.20.3.2:80 -m -w 3
for i in $(seq 40); do one; done
ipvsadm -Lnc | awk '$3=="TIME_WAIT"{print "SH", $4, $6}' | sort -u > /tmp/sh
cat /tmp/sh
switch_and_hit MH mh mh-port
echo "== mh-fallback with rs2 quiesced"
switch_and_hit MHF mh mh-port,mh-fallback 'ipvsadm -e -t 10.10.0.1:80 -r 10.20.2.2:80 -m -w 0'
echo "== sh-fallback with rs2 quiesced"
switch_and_hit SHF sh sh-port,sh-fallback
echo "== done"
