"""`dicom-harness images build|list|rm [NAME ...]`: the images of real peers the harness builds itself from Debian
packages (no registry), used by `--target docker:NAME`."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    from dicom_harness.targets.docker_images import RECIPES
    names = ", ".join(f"{name} ({recipe.describes})" for name, recipe in RECIPES.items())
    images = sub.add_parser(
        "images", help="build, list or remove the Docker images of real peers (docker:orthanc, docker:orthanc-1.12)",
        description="The images `--target docker:NAME` runs, built on this machine from Debian packages with "
                    "debootstrap and imported into the local Docker engine (no registry needed). A run builds a "
                    f"missing image by itself; building needs root. Images: {names}.")
    action = images.add_subparsers(dest="images_action", metavar="ACTION", required=True)
    for verb, text in (("build", "build the named images (all when none is named), rebuilding those present"),
                       ("list", "list the images and whether they are built"),
                       ("rm", "remove the named images (all when none is named)")):
        parser = action.add_parser(verb, help=text)
        if verb != "list":
            parser.add_argument("names", nargs="*", metavar="NAME", help=f"one of: {', '.join(RECIPES)}")
        parser.set_defaults(func=_images)


def _images(args: argparse.Namespace) -> int:
    from dicom_harness.targets import docker_images as images
    chosen = [images.recipe_named(name) for name in getattr(args, "names", [])] or list(images.RECIPES.values())
    client = images.engine()
    if args.images_action == "list":
        for recipe, state in images.listing(client):
            print(f"{recipe.name:14} {recipe.tag:34} {state:42} {recipe.describes}")
    elif args.images_action == "build":
        for recipe in chosen:
            images.build(client, recipe)
    else:
        for recipe in chosen:
            print(f"{recipe.tag}: {'removed' if images.remove(client, recipe) else 'not present'}")
    return 0
