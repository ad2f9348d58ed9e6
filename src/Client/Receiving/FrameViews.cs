namespace RawFrames.Client.Receiving;

/// <summary>
/// Views other libraries made of a frame's memory (an OpenCV Mat, a tensor): each is ended when the frame is
/// released, so that none of them outlives the memory it looks at.
/// </summary>
internal sealed class FrameViews
{
    private readonly Lock _lock = new();
    private List<IDisposable>? _views;

    public void Add(IDisposable view)
    {
        lock (_lock)
        {
            (_views ??= []).Add(view);
        }
    }

    /// <summary>Ends every view made so far; the list is reused for the next frame.</summary>
    public void EndAll()
    {
        IDisposable[] ending;
        lock (_lock)
        {
            if (_views is not { Count: > 0 })
            {
                return;
            }

            ending = [.. _views];
            _views.Clear();
        }

        foreach (IDisposable view in ending)
        {
            view.Dispose();
        }
    }
}
