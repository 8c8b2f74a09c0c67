// ${{ values.name }}: a Node.js HTTP service created from the DevPortal template.
const http = require('node:http');

const port = Number(process.env.PORT ?? 3000);

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ service: ${{ values.name | dump }}, path: req.url }) + '\n');
});

if (require.main === module) {
  server.listen(port, () => {
    console.log(`${{ values.name }} listening on http://localhost:` + port);
  });
}

module.exports = { server };
