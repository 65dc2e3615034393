"""The guard: Claude Code permission rules and built-in guards judged on what a tool call does.

shell.py parses bash into simple commands (treesitter.py loads the parser), grammar.py holds
the rule grammar, builtins.py the built-in guards, decide.py the verdict, hook.py the Claude
Code hook protocol (hookjson.py its JSON, hookstart.py the lean start-up `ringfence init`
writes), screen.py the prompt-injection detectors, init.py and check.py the `ringfence init` /
`ringfence check` subcommands (command.py is what cli.py dispatches to). wildcard.py matches
``*`` patterns without ``re``, which the hook's common path never imports.
"""
