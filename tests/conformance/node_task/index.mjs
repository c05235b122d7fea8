// The same logical responses as ../python_task/conform.py, written with AWS's Node.js
// runtime client (aws-lambda-ric): streamifyResponse + HttpResponseStream.from.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  if (event.fail === "early") {
    throw new Error(event.message);
  }
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: event.status,
    headers: event.headers,
    cookies: event.cookies,
  });
  for (const chunk of event.chunks) {
    stream.write(chunk);
    await sleep(event.pause_ms);
  }
  if (event.fail === "late") {
    throw new Error(event.message);
  }
  stream.end();
});
