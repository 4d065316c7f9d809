'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS run by node in a container */
// Stand-in Jenkins controller (see ../compose.yaml): /login answers 200 with a page naming Jenkins, like the real
// login page; /standin/secrets lists the secret variables present (names and whether empty, never values).
const http = require('node:http');
const secrets = Object.keys(process.env).filter((k) => k.startsWith('SECRET_')).sort();
http
  .createServer((req, res) => {
    if (req.url === '/login') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html><head><title>Sign in [Jenkins]</title></head><body>Jenkins stand-in</body></html>\n');
    }
    if (req.url === '/standin/secrets') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(Object.fromEntries(secrets.map((k) => [k.slice(7), process.env[k] ? 'set' : 'empty']))));
    }
    res.writeHead(404);
    res.end();
  })
  .listen(8080, '0.0.0.0');
