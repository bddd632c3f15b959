#!/usr/bin/env node
// A regulator API client written without any of VEU Attest's C++ code: @grpc/grpc-js and
// @grpc/proto-loader build the client at run time from the repository's .proto files alone,
// which is what a regulator's own tooling would do.
//
//   node get_site_status.js --server HOST:PORT --ca CA.pem --cert CLIENT.pem --key CLIENT.key \
//                           --site SITE [--proto-path DIR] [--deadline-seconds N]
//
// Prints the SiteStatus as JSON on stdout (field names as in the .proto, enums and 64-bit
// integers as strings, unset fields with their defaults) and exits 0. On an RPC error, prints
// the gRPC code and message on stderr and exits 1 for PERMISSION_DENIED (outside the
// certificate's scope, or no such site: the API does not tell them apart) and 2 for anything
// else, including bad arguments and unreadable files.
'use strict';

const fs = require('fs');
const path = require('path');

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const EXIT_PERMISSION_DENIED = 1;
const EXIT_OTHER_ERROR = 2;

function fail(message) {
  process.stderr.write(`get_site_status: ${message}\n`);
  process.exit(EXIT_OTHER_ERROR);
}

// --name VALUE or --name=VALUE for each known option; anything else is an error. (By hand
// rather than util.parseArgs, which Node 18 still marks experimental.)
function parseArguments() {
  const known = ['server', 'ca', 'cert', 'key', 'site', 'proto-path', 'deadline-seconds'];
  const values = { 'deadline-seconds': '10' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; ++i) {
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!match || !known.includes(match[1])) fail(`unknown argument '${argv[i]}'`);
    let value = match[2];
    if (value === undefined) {
      if (i + 1 >= argv.length) fail(`--${match[1]} needs a value`);
      value = argv[++i];
    }
    values[match[1]] = value;
  }
  for (const required of ['server', 'ca', 'cert', 'key', 'site']) {
    if (!values[required]) fail(`--${required} is required`);
  }
  const deadlineSeconds = Number(values['deadline-seconds']);
  if (!Number.isFinite(deadlineSeconds) || deadlineSeconds <= 0) {
    fail(`--deadline-seconds must be a positive number, not '${values['deadline-seconds']}'`);
  }
  return {
    server: values.server,
    ca: values.ca,
    cert: values.cert,
    key: values.key,
    site: values.site,
    // Default: the repository's proto/ (this file lives in tests/interop/node/).
    protoPath: values['proto-path'] || path.resolve(__dirname, '..', '..', '..', 'proto'),
    deadlineSeconds,
  };
}

function readFileOrFail(file, what) {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    fail(`cannot read the ${what} ${file}: ${err.message}`);
  }
}

// The include path for google/protobuf/*.proto. proto-loader does not ship these files:
// protobufjs has the well-known types built in and falls back to them, but only after
// proto-loader warns on stderr that the import was not found. Where protobuf's own copies are
// installed (Debian's libprotobuf-dev, which the C++ build needs anyway) they are used instead,
// so a normal run prints nothing but the answer.
function wellKnownTypesDirs() {
  const candidates = ['/usr/include', '/usr/local/include'];
  return candidates.filter((dir) =>
    fs.existsSync(path.join(dir, 'google', 'protobuf', 'timestamp.proto')));
}

function loadRegulatorService(protoPath) {
  const regulatorProto = path.join(protoPath, 'veu', 'v1', 'regulator.proto');
  if (!fs.existsSync(regulatorProto)) {
    fail(`no veu/v1/regulator.proto under ${protoPath} (use --proto-path DIR)`);
  }
  const definition = protoLoader.loadSync('veu/v1/regulator.proto', {
    includeDirs: [protoPath, ...wellKnownTypesDirs()],
    keepCase: true,      // field names exactly as in the .proto (site, evaluated_at, ...)
    longs: String,       // uint64/int64 without loss of precision
    enums: String,       // VERDICT_ACCEPT rather than 1
    bytes: String,       // base64
    defaults: true,      // an unset verdict shows as VERDICT_UNSPECIFIED instead of vanishing
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).veu.v1.Regulator;
}

function main() {
  const args = parseArguments();
  let credentials;
  try {
    credentials = grpc.credentials.createSsl(
        readFileOrFail(args.ca, 'CA certificate'),
        readFileOrFail(args.key, 'client private key'),
        readFileOrFail(args.cert, 'client certificate'));
  } catch (err) {
    fail(`cannot use --ca/--cert/--key as TLS material (PEM expected): ${err.message}`);
  }
  const Regulator = loadRegulatorService(args.protoPath);
  const client = new Regulator(args.server, credentials);
  const deadline = new Date(Date.now() + args.deadlineSeconds * 1000);

  client.GetSiteStatus({ site: args.site }, { deadline }, (err, status) => {
    client.close();
    if (err) {
      const codeName = grpc.status[err.code] || String(err.code);
      process.stderr.write(`${codeName}: ${err.details || err.message}\n`);
      process.exitCode =
          err.code === grpc.status.PERMISSION_DENIED ? EXIT_PERMISSION_DENIED : EXIT_OTHER_ERROR;
      return;
    }
    process.stdout.write(JSON.stringify(status, null, 2) + '\n');
    process.exitCode = 0;
  });
}

// Node exits with 1 on an uncaught exception, which would read as PERMISSION_DENIED.
process.on('uncaughtException', (err) => fail(err.stack || String(err)));
main();
