// The Node.js twin of streamer.py's /mirror route, written with AWS's runtime client
// (aws-lambda-ric): streamifyResponse + HttpResponseStream.from. The response is read from
// the request body, so both runtimes serve the same logical response.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const spec = JSON.parse(event.body);
  if (spec.raw !== undefined) {
    // Bytes that claim to be an http-integration stream but hold no valid prelude.
    responseStream.setContentType("application/vnd.awslambda.http-integration-response");
    responseStream.write(spec.raw);
    responseStream.end();
    return;
  }
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: spec.status,
    headers: spec.headers,
    cookies: spec.cookies,
  });
  for (const chunk of spec.chunks) {
    stream.write(chunk);
    await sleep(spec.pause_ms);
  }
  stream.end();
});
