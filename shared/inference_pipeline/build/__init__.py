"""Building the images from docker-bake.hcl (the single source of image definitions)."""
