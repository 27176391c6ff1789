"""The command lines' argument parser in Russian: argparse writes «usage:», «options:», «show this help message and
exit» and its error messages in English, and a curator reading `python -m report --help` reads Russian."""
import argparse
import re
import sys

# argparse's own messages (Python 3.11–3.13) -> Russian; a message not listed is shown as it is.
ERRORS = [
    (r"the following arguments are required: (.+)", r"не указаны обязательные параметры: \1"),
    (r"one of the arguments (.+) is required", r"укажите один из параметров: \1"),
    (r"unrecognized arguments: (.+)", r"непонятные параметры: \1"),
    (r"argument (\S+): not allowed with argument (.+)", r"параметр \1 нельзя указывать вместе с \2"),
    (r"argument (\S+): expected (?:one argument|at least one argument|\d+ arguments?)", r"после \1 укажите значение"),
    (r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)", r"\1: значения \2 нет, можно: \3"),
    (r"argument (\S+): invalid \S+ value: (.+)", r"\1: значение \2 не распознано"),
    (r"ambiguous option: (\S+) could match (.+)", r"параметр \1 неоднозначен: подходят \2"),
    (r"argument (\S+): (.+)", r"\1: \2"),
]


def russian(message: str) -> str:
    """An argparse error message in Russian."""
    for pattern, replacement in ERRORS:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "Использование: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse.ArgumentParser with Russian help and errors; its subcommands' parsers are the same. A wrong argument
    prints «Ошибка в параметрах: …. Справка: PROG --help» and exits with `exit_code` (argparse's own is 2)."""

    exit_code = 2

    def __init__(self, *args, add_help=True, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "позиционные параметры"
        self._optionals.title = "параметры"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="показать эту справку и выйти")

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("title", "команды")
        kwargs.setdefault("metavar", "КОМАНДА")
        return super().add_subparsers(**kwargs)

    def error(self, message):
        print(f"Ошибка в параметрах: {russian(message)}. Справка: {self.prog} --help", file=sys.stderr)
        sys.exit(self.exit_code)
