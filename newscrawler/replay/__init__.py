"""Offline replay: serve a recorded site from disk through Scrapy's normal download path."""
