"""Events in: the pull loop on JetStream, decoding in worker processes, the HTTP appends'
request-reply, the lead."""
