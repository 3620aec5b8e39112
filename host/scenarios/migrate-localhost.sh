# migrate-localhost: xl migrate to this same host through the ssh stand-in
# (xs-ssh runs the receiving xl here), build under test on both ends.
. /run/xs/in/scenarios/lib.sh
migrate_local "$XS_BUILD" "$XS_BUILD"
