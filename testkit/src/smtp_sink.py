"""Reads the maildir of loket's SMTP test server and prints each message as one JSON line:
subject, to, message-id, the text body and every attachment (base64)."""
import base64
import email
import email.policy
import json
import os
import sys

new = os.path.join(sys.argv[1], "new")
for name in sorted(os.listdir(new)) if os.path.isdir(new) else []:
    with open(os.path.join(new, name), "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    text = ""
    attachments = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_filename():
            attachments.append({
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "data": base64.b64encode(part.get_payload(decode=True)).decode(),
            })
        elif part.get_content_type() == "text/plain":
            text += part.get_content()
    print(json.dumps({
        "subject": str(msg["subject"]),
        "to": str(msg["to"]),
        "message_id": str(msg["message-id"]),
        "text": text,
        "attachments": attachments,
    }))
