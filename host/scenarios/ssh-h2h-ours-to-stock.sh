# ssh-h2h-ours-to-stock (host A of the transport run): our xl here
# migrates a guest to stock xl on host B over real ssh.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/transport-lib.sh
XS_GUEST=g5
ssh_h2h ours stock
