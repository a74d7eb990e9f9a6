export const USAGE = `riptrunk: the enterprise side of a RIPT trunk

Usage:
  riptrunk onboard <provider-url> <onboarding-code> [--profile FILE] [--cacert FILE]
  riptrunk tgs [--profile FILE]
  riptrunk call <number> [--from E164] [--tone HZ | --play FILE.wav] [--record OUT.wav] [--seconds N]
  riptrunk serve [--port N] [--host H] [--public-url URL] (--cert FILE --key FILE | --ca-key FILE [--cacert FILE])
                 [--answer | --echo | --decline] [--tone HZ | --play FILE.wav] [--record OUT.wav]
                 [--seconds N] [--calls N]
  riptrunk certs request <number> [--out PREFIX]
  riptrunk gateway --profile FILE --sip-listen udp:HOST:PORT[,tcp:HOST:PORT] --sip-peer sip:HOST:PORT[;transport=tcp]
                 [--rtp-ports 20000-29999] [--public-address IP] [--egress PATTERNS] [--country CC]
                 [--allow CIDR,...] [--stir-trust FILE] [--json]
  riptrunk gateway --profile FILE --pbx sip:HOST:PORT [--sip-listen ...] [--country CC] [--allow CIDR,...]
                 [--pbx-user NAME --pbx-password-file FILE] (--cert FILE --key FILE | --ca-key FILE) [--json]

Options:
  --profile FILE   enterprise profile (default ~/.riptrunk/profile.json, mode 0600)
  --cacert FILE    trust this CA for the provider (e.g. .data/ca.pem of a local run)
  --json           machine-readable output (serve: one JSON object per line)
  -h, --help       this help

serve runs your consumer TG: an HTTPS server for the calls your provider delivers to your numbers. It registers
it with the provider (a fresh token each run), waits until the provider has verified it, and answers calls:
  --answer         answer and play --tone HZ (default 440) or --play FILE.wav (the default)
  --echo           answer and send back what the caller sends
  --decline        decline every call
  --record OUT.wav record what callers send (OUT-2.wav... for later calls)
  --seconds N      end answered calls after N seconds (default: the caller ends them)
  --calls N        exit after N calls
  --port N, --host H   where to listen (default a free port on 127.0.0.1)
  --public-url URL     the https origin the provider reaches (default https://localhost:PORT)
  --cert/--key FILE    TLS certificate chain and key (PEM); for a local run instead --ca-key FILE issues a
                       localhost certificate from that CA (e.g. .data/ca-key.pem), whose certificate is
                       --cacert (default: the CA file of the profile)
  It unregisters on exit (SIGINT, SIGTERM, or after --calls).
gateway is a SIP⇄RIPT gateway (a B2BUA): INVITEs from the SIP peer become RIPT calls on your provider TG, and with
--egress (number patterns such as +44*,+33*) it serves a consumer TG for those destinations and sends the calls the
provider delivers there to the SIP peer. One log line per call (--json: one JSON object per line).
  --sip-listen     where to take SIP (UDP and/or TCP)      --sip-peer   the SIP core, PBX or proxy to send INVITEs to
  --rtp-ports      RTP port range (even RTP, odd RTCP)     --public-address  the IP put in Via, Contact and SDP
  --country CC     default country of national numbers on the SIP side (e.g. GB); without it only +E.164
  --allow CIDR,... more source addresses that may place calls (the peer's or PBX's own always may; others: 403)
  --stir-trust FILE  STI-CA certificates (PEM) for Identity headers (default RIPTRUNK_STIR_TRUST_FILE)
  The consumer TG (with --egress) takes --port/--host/--public-url/--cert/--key/--ca-key as serve does.
  In front of an enterprise PBX (--pbx, the PBX's address; default --sip-listen udp:0.0.0.0:5060): the PBX's calls
  go out on your trunk from your own numbers only (else 403), national numbers per --country; the calls to your
  numbers go to the PBX (Request-URI the number called, From/P-Asserted-Identity the caller with verstat,
  Identity the PASSporT). Start-up says what is ready: trunk, caller IDs, consumer TG, PBX (OPTIONS).
certs request gets a STIR certificate for one of your numbers: a new P-256 key and CSR, certified by the
provider's STIR CA; writes PREFIX.key.pem (mode 0600) and PREFIX.cert.pem (default PREFIX: the number's digits).
The carrier's admin commands (tenants, number ranges, trunks, onboarding codes) are in riptrunk-admin, a binary
of the riptrunk server.
Exit codes: 0 success, 1 failure, 2 usage error.`;
