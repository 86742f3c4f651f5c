package canopy

// Embed is an oEmbed answer kept for a URL that an editor put on a line of
// its own in rich text (a video, a photo, a post): fetched once, sanitised,
// shown from here (service/embeds.go).
type Embed struct {
	URL, Provider, Type, HTML, Title, ThumbnailURL string
	Width, Height                                  int
}
