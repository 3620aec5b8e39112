# ssh-h2h-stock-to-ours (host A of the transport run): stock xl here
# migrates a guest to our xl on host B over real ssh.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/transport-lib.sh
XS_GUEST=g4
ssh_h2h stock ours
