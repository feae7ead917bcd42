"""Server-side enforcement: the pre-receive hook and its client-side twin, pre-push.

Client hooks are advisory (`git commit --no-verify` skips them); the git
server's pre-receive hook is where guard enforces. The modules here:

* refs      -- stdin `old new ref` lines -> RefUpdate values (create, delete, update, force)
* push      -- open the repository inside git's quarantine, list the commits a push adds
* budget    -- deadline, commit and byte caps, fail-open / fail-closed
* identity  -- who pushed (GitHub Enterprise, GitLab, Gitea/Forgejo, plain git)
* options   -- push options: guard.breakglass, guard.approve
* config    -- the server's own config file (never read from the pushed tree)
* selfconfig-- a pushed change to guard's own config is a finding
* messages  -- the lines the pusher sees
* log       -- the append-only JSON-lines audit log
* prereceive, prepush -- the two hooks, without click
"""
